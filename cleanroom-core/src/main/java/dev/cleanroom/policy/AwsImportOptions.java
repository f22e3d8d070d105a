package dev.cleanroom.policy;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What an import of an AWS Clean Rooms analysis rule needs beyond the rule: the dataset's schema,
 * its user id column (the privacy unit and join key, which AWS rules do not name), the parties that
 * may query (AWS names the member who can query in the collaboration, not in the rule), the
 * threshold k to use where the rule sets none on the user id column, and optionally which AWS
 * account is which party.
 *
 * <p>Build with {@link #builder()}; each setter may be called once ({@link Builder#accountParty}
 * once per account); {@link Builder#build()} checks the settings.
 */
public final class AwsImportOptions {
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

  private final Schema schema;
  private final String userIdColumn;
  private final Set<String> analysts;
  private final int minDistinctUsers;
  private final Map<String, String> accountParties;

  private AwsImportOptions(Builder b) {
    this.schema = b.schema;
    this.userIdColumn = b.userIdColumn;
    this.analysts = Collections.unmodifiableSet(new LinkedHashSet<>(b.analysts));
    this.minDistinctUsers = b.minDistinctUsers;
    this.accountParties = Collections.unmodifiableMap(new LinkedHashMap<>(b.accountParties));
  }

  /**
   * A builder of import options.
   *
   * @return a builder of import options
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The dataset's schema; every column the rule names must be in it.
   *
   * @return the schema
   */
  public Schema schema() {
    return schema;
  }

  /**
   * The dataset's user id column.
   *
   * @return the user id column
   */
  public String userIdColumn() {
    return userIdColumn;
  }

  /**
   * The parties that may query; a custom rule's {@code allowedAnalysisProviders} can only narrow
   * them.
   *
   * @return the analysts
   */
  public Set<String> analysts() {
    return analysts;
  }

  /**
   * The threshold k used where the rule sets no minimum on the user id column ({@value
   * Policy#MIN_K} unless set); a larger minimum of the rule wins.
   *
   * @return the default k
   */
  public int minDistinctUsers() {
    return minDistinctUsers;
  }

  /**
   * The party of each AWS account id (12 digits), for {@code allowedAnalysisProviders}.
   *
   * @return the parties by account id
   */
  public Map<String, String> accountParties() {
    return accountParties;
  }

  @Override
  public String toString() {
    return "AwsImportOptions[userIdColumn="
        + userIdColumn
        + ", analysts="
        + analysts
        + ", minDistinctUsers="
        + minDistinctUsers
        + ", accounts="
        + accountParties.size()
        + "]";
  }

  /** Builds {@link AwsImportOptions}. */
  public static final class Builder {
    private Schema schema;
    private String userIdColumn;
    private final Set<String> analysts = new LinkedHashSet<>();
    private int minDistinctUsers = Policy.MIN_K;
    private final Map<String, String> accountParties = new LinkedHashMap<>();
    private final Set<String> set = new LinkedHashSet<>();

    private Builder() {}

    private void once(String setter) {
      if (!set.add(setter)) {
        throw new IllegalStateException(setter + " was already set");
      }
    }

    /**
     * The dataset's schema (required).
     *
     * @param schema the schema
     * @return this builder
     * @throws IllegalStateException if called before
     */
    public Builder schema(Schema schema) {
      Objects.requireNonNull(schema, "schema");
      once("schema");
      this.schema = schema;
      return this;
    }

    /**
     * The dataset's user id column (required): a STRING or LONG column of the schema.
     *
     * @param column the column's name
     * @return this builder
     * @throws IllegalStateException if called before
     */
    public Builder userIdColumn(String column) {
      Objects.requireNonNull(column, "column");
      once("userIdColumn");
      this.userIdColumn = column;
      return this;
    }

    /**
     * The parties that may query (required, at least one).
     *
     * @param parties the party names
     * @return this builder
     * @throws IllegalStateException if called before
     */
    public Builder analysts(String... parties) {
      List<String> list = List.of(parties);
      once("analysts");
      analysts.addAll(list);
      return this;
    }

    /**
     * The threshold k used where the rule sets no minimum on the user id column (default {@value
     * Policy#MIN_K}); checked by {@link #build()}.
     *
     * @param k the default k, in [{@value Policy#MIN_K}, {@value Policy#MAX_K}]
     * @return this builder
     * @throws IllegalStateException if called before
     */
    public Builder minDistinctUsers(int k) {
      once("minDistinctUsers");
      this.minDistinctUsers = k;
      return this;
    }

    /**
     * Says that the AWS account {@code accountId} is the party {@code party}; once per account.
     *
     * @param accountId the 12-digit AWS account id
     * @param party the party's name
     * @return this builder
     * @throws IllegalArgumentException if the account id is not 12 digits
     * @throws IllegalStateException if the account was mapped before
     */
    public Builder accountParty(String accountId, String party) {
      Objects.requireNonNull(accountId, "accountId");
      Objects.requireNonNull(party, "party");
      if (!ACCOUNT.matcher(accountId).matches()) {
        throw new IllegalArgumentException("an AWS account id must be 12 digits");
      }
      if (accountParties.containsKey(accountId)) {
        throw new IllegalStateException("this account was already mapped to a party");
      }
      accountParties.put(accountId, party);
      return this;
    }

    /**
     * Checks and builds the options.
     *
     * @return the options
     * @throws IllegalStateException if the schema, user id column or analysts are missing
     * @throws IllegalArgumentException if the user id column is not a STRING or LONG column of the
     *     schema, a party name is invalid, or k is out of range
     */
    public AwsImportOptions build() {
      if (schema == null) {
        throw new IllegalStateException("schema is required");
      }
      if (userIdColumn == null) {
        throw new IllegalStateException("userIdColumn is required");
      }
      if (analysts.isEmpty()) {
        throw new IllegalStateException("analysts is required and must name at least one party");
      }
      Column uid =
          schema
              .column(userIdColumn)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "user id column ["
                              + userIdColumn
                              + "] not found; columns are: "
                              + schema.names()));
      if (uid.type() != ColumnType.STRING && uid.type() != ColumnType.LONG) {
        throw new IllegalArgumentException(
            "user id column [" + userIdColumn + "] must be STRING or LONG");
      }
      // A policy builder checks party names as the import's policy will.
      Policy.builder().allowAnalysts(analysts.toArray(String[]::new));
      Policy.builder().allowAnalysts(accountParties.values().toArray(String[]::new));
      if (minDistinctUsers < Policy.MIN_K || minDistinctUsers > Policy.MAX_K) {
        throw new IllegalArgumentException(
            "minDistinctUsers must be in ["
                + Policy.MIN_K
                + ", "
                + Policy.MAX_K
                + "]; provided value: "
                + minDistinctUsers);
      }
      return new AwsImportOptions(this);
    }
  }
}
