package dev.cleanroom;

import dev.cleanroom.spi.DataSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A party's dataset in a room: its owner, name, source, the roles of its columns, and the owner's
 * {@link Policy}. A column not declared here is {@link ColumnRole#BLOCKED}.
 *
 * <p>Build one with {@link #builder(String, String)}; {@link Builder#build()} checks the declared
 * columns against the source's schema and the policy's references against the declared roles.
 */
public final class Dataset {
  private final String owner;
  private final String name;
  private final DataSource source;
  private final Schema schema;
  private final String userIdColumn;
  private final UserIdFormat userIdFormat;
  private final Map<String, ColumnRole> roles;
  private final Map<String, Bounds> metrics;
  private final Policy policy;

  private Dataset(Builder b, Schema schema) {
    this.owner = b.owner;
    this.name = b.name;
    this.source = b.source;
    this.schema = schema;
    this.userIdColumn = b.userIdColumn;
    this.userIdFormat = b.userIdFormat;
    this.roles = Collections.unmodifiableMap(new LinkedHashMap<>(b.roles));
    this.metrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.metrics));
    this.policy = b.policy;
  }

  /**
   * A builder for the dataset {@code owner.name}.
   *
   * @param owner the owning party's name
   * @param name the dataset's name, unique per owner
   * @return a builder for the dataset {@code owner.name}
   */
  public static Builder builder(String owner, String name) {
    return new Builder(Names.check("owner", owner), Names.check("dataset name", name));
  }

  /**
   * The owning party.
   *
   * @return the owning party
   */
  public String owner() {
    return owner;
  }

  /**
   * The dataset's name.
   *
   * @return the dataset's name
   */
  public String name() {
    return name;
  }

  /**
   * {@code owner.name}, the name queries use.
   *
   * @return the qualified name
   */
  public String qualifiedName() {
    return owner + "." + name;
  }

  /**
   * The source of the rows.
   *
   * @return the source of the rows
   */
  public DataSource source() {
    return source;
  }

  /**
   * The source's schema, read once when the dataset was built.
   *
   * @return the source's schema, read once when the dataset was built
   */
  public Schema schema() {
    return schema;
  }

  /**
   * The {@link ColumnRole#USER_ID} column.
   *
   * @return the {@link ColumnRole#USER_ID} column
   */
  public String userIdColumn() {
    return userIdColumn;
  }

  /**
   * How the user id column holds its identifiers.
   *
   * @return how the user id column holds its identifiers
   */
  public UserIdFormat userIdFormat() {
    return userIdFormat;
  }

  /**
   * The role of {@code column}: {@link ColumnRole#BLOCKED} unless declared.
   *
   * @param column the column's name
   * @return the role of {@code column}: {@link ColumnRole#BLOCKED} unless declared
   */
  public ColumnRole role(String column) {
    Objects.requireNonNull(column, "column");
    return roles.getOrDefault(column, ColumnRole.BLOCKED);
  }

  /**
   * The declared roles by column, in declaration order.
   *
   * @return the declared roles by column, in declaration order
   */
  public Map<String, ColumnRole> roles() {
    return roles;
  }

  /**
   * The declared clamp bounds of {@code metric}, if it is a metric.
   *
   * @param metric the metric column's name
   * @return the declared clamp bounds of {@code metric}, if it is a metric
   */
  public Optional<Bounds> metricBounds(String metric) {
    Objects.requireNonNull(metric, "metric");
    return Optional.ofNullable(metrics.get(metric));
  }

  /**
   * The bounds of one person's total of {@code metric} in one group: the policy's per-group clamp,
   * or else the metric's declared bounds.
   *
   * @param metric the metric column's name
   * @return the bounds of one person's total of {@code metric} in one group: the policy's per-group
   *     clamp, or else the metric's declared bounds
   * @throws IllegalArgumentException if {@code metric} is not a declared metric
   */
  public Bounds groupBounds(String metric) {
    Bounds declared =
        metricBounds(metric)
            .orElseThrow(
                () -> new IllegalArgumentException("column [" + metric + "] is not a metric"));
    return policy.groupClamp(metric).orElse(declared);
  }

  /**
   * The dimensions the policy allows to group by and filter on.
   *
   * @return the dimensions the policy allows to group by and filter on
   */
  public Set<String> allowedDimensions() {
    return policy
        .allowedDimensions()
        .orElseGet(
            () -> {
              Set<String> dims = new LinkedHashSet<>();
              roles.forEach(
                  (c, r) -> {
                    if (r == ColumnRole.DIMENSION) {
                      dims.add(c);
                    }
                  });
              return Collections.unmodifiableSet(dims);
            });
  }

  /**
   * The owner's policy.
   *
   * @return the owner's policy
   */
  public Policy policy() {
    return policy;
  }

  /**
   * This dataset with its rows read from {@code source}: same owner, name, roles and policy. For
   * {@link CleanRoom#replaceData}.
   *
   * @param source the new source
   * @return the dataset over the new source
   * @throws IllegalArgumentException if a declared column is not in the source's schema or has the
   *     wrong type
   */
  public Dataset withSource(DataSource source) {
    Objects.requireNonNull(source, "source");
    return rebuild(source, policy);
  }

  /**
   * This dataset under {@code policy}: same owner, name, source and roles. For {@link
   * CleanRoom#tightenPolicy} and {@link CleanRoom#loosenPolicy}.
   *
   * @param policy the new policy
   * @return the dataset under the new policy
   * @throws IllegalArgumentException if the policy names a column that does not fit its rule
   */
  public Dataset withPolicy(Policy policy) {
    Objects.requireNonNull(policy, "policy");
    return rebuild(source, policy);
  }

  private Dataset rebuild(DataSource source, Policy policy) {
    Builder b = new Builder(owner, name);
    b.source = source;
    b.userIdColumn = userIdColumn;
    b.userIdFormat = userIdFormat;
    b.roles.putAll(roles);
    b.metrics.putAll(metrics);
    b.policy = policy;
    return b.build();
  }

  @Override
  public String toString() {
    return "Dataset[" + qualifiedName() + ", source " + source.name() + ", roles " + roles + "]";
  }

  /** Builds a {@link Dataset}. Each column may be declared once; other setters are set-once. */
  public static final class Builder {
    private final String owner;
    private final String name;
    private DataSource source;
    private String userIdColumn;
    private UserIdFormat userIdFormat = UserIdFormat.RAW;
    private final Map<String, ColumnRole> roles = new LinkedHashMap<>();
    private final Map<String, Bounds> metrics = new LinkedHashMap<>();
    private Policy policy;

    private Builder(String owner, String name) {
      this.owner = owner;
      this.name = name;
    }

    /**
     * The source of the rows (required).
     *
     * @param source where the rows come from
     * @return this builder
     */
    public Builder source(DataSource source) {
      Objects.requireNonNull(source, "source");
      if (this.source != null) {
        throw new IllegalStateException("source was already set");
      }
      this.source = source;
      return this;
    }

    /**
     * The user id column, holding {@link UserIdFormat#RAW} identifiers (required, once).
     *
     * @param column the column's name
     * @return this builder
     */
    public Builder userId(String column) {
      return userId(column, UserIdFormat.RAW);
    }

    /**
     * The user id column and how it holds identifiers (required, once).
     *
     * @param column the column's name
     * @param format how the ids are written
     * @return this builder
     */
    public Builder userId(String column, UserIdFormat format) {
      Objects.requireNonNull(format, "format");
      if (userIdColumn != null) {
        throw new IllegalStateException("userId was already set");
      }
      declare(column, ColumnRole.USER_ID);
      userIdColumn = column;
      userIdFormat = format;
      return this;
    }

    /**
     * Declares {@code column} a dimension.
     *
     * @param column the column's name
     * @return this builder
     */
    public Builder dimension(String column) {
      declare(column, ColumnRole.DIMENSION);
      return this;
    }

    /**
     * Declares several dimensions.
     *
     * @param columns the column names
     * @return this builder
     */
    public Builder dimensions(String... columns) {
      for (String c : List.of(columns)) {
        dimension(c);
      }
      return this;
    }

    /**
     * Declares {@code column} a numeric metric whose values are clamped to [lower, upper]; by
     * default each person's total per group is clamped to the same bounds (see {@link
     * Policy.Builder#clampPerGroup}).
     *
     * @param column the column's name
     * @param lower the smallest valid value
     * @param upper the largest valid value
     * @return this builder
     * @throws IllegalArgumentException if a bound is not finite or {@code lower > upper}
     */
    public Builder metric(String column, double lower, double upper) {
      Bounds bounds = Bounds.of(lower, upper);
      declare(column, ColumnRole.METRIC);
      metrics.put(column, bounds);
      return this;
    }

    /**
     * Declares {@code column} blocked; undeclared columns are blocked as well.
     *
     * @param column the column's name
     * @return this builder
     */
    public Builder blocked(String column) {
      declare(column, ColumnRole.BLOCKED);
      return this;
    }

    /**
     * The owner's policy (required).
     *
     * @param policy the owner's policy
     * @return this builder
     */
    public Builder policy(Policy policy) {
      Objects.requireNonNull(policy, "policy");
      if (this.policy != null) {
        throw new IllegalStateException("policy was already set");
      }
      this.policy = policy;
      return this;
    }

    private void declare(String column, ColumnRole role) {
      Names.check("column name", column);
      if (roles.containsKey(column)) {
        throw new IllegalStateException(
            "column [" + column + "] was already declared as " + roles.get(column));
      }
      roles.put(column, role);
    }

    /**
     * Validates and builds the dataset.
     *
     * @return the dataset
     * @throws IllegalStateException if the source, user id or policy is missing
     * @throws IllegalArgumentException if a declared column is not in the source's schema or has
     *     the wrong type, or the policy names a column that does not fit its rule
     */
    public Dataset build() {
      String qualified = owner + "." + name;
      if (source == null) {
        throw new IllegalStateException("source is required for " + qualified);
      }
      if (userIdColumn == null) {
        throw new IllegalStateException("userId is required for " + qualified);
      }
      if (policy == null) {
        throw new IllegalStateException("policy is required for " + qualified);
      }
      Schema schema = Objects.requireNonNull(source.schema(), "source schema");
      for (Map.Entry<String, ColumnRole> e : roles.entrySet()) {
        Column column =
            schema
                .column(e.getKey())
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "column ["
                                + e.getKey()
                                + "] not found in "
                                + qualified
                                + "; columns are: "
                                + schema.names()));
        if (e.getValue() == ColumnRole.METRIC && !column.type().isNumeric()) {
          throw new IllegalArgumentException(
              "metric ["
                  + e.getKey()
                  + "] of "
                  + qualified
                  + " must be numeric, not "
                  + column.type());
        }
        if (e.getValue() == ColumnRole.USER_ID
            && column.type() != ColumnType.STRING
            && column.type() != ColumnType.LONG) {
          throw new IllegalArgumentException(
              "user id [" + e.getKey() + "] of " + qualified + " must be STRING or LONG");
        }
        if (e.getValue() == ColumnRole.USER_ID
            && column.type() == ColumnType.LONG
            && userIdFormat != UserIdFormat.RAW) {
          throw new IllegalArgumentException(
              "user id ["
                  + e.getKey()
                  + "] of "
                  + qualified
                  + " is LONG, which only the RAW format accepts; provided format: "
                  + userIdFormat);
        }
      }
      for (String join : policy.joinColumns()) {
        if (!join.equals(userIdColumn)) {
          throw new IllegalArgumentException(
              "policy of "
                  + qualified
                  + " allows joining on ["
                  + join
                  + "], but datasets are joined on their user id column ["
                  + userIdColumn
                  + "]");
        }
      }
      for (String dim : policy.allowedDimensions().orElse(Set.of())) {
        Optional<dev.cleanroom.query.TimeBucket.Named> bucket =
            dev.cleanroom.query.TimeBucket.parse(dim);
        if (bucket.isPresent()) {
          String base = bucket.get().column();
          ColumnType type = schema.column(base).map(Column::type).orElse(null);
          if (roles.get(base) != ColumnRole.DIMENSION
              || (type != ColumnType.DATE && type != ColumnType.TIMESTAMP)) {
            throw new IllegalArgumentException(
                "policy of "
                    + qualified
                    + " allows dimension ["
                    + dim
                    + "], a time bucket of a column that is not a DATE or TIMESTAMP dimension");
          }
          continue;
        }
        if (roles.get(dim) != ColumnRole.DIMENSION) {
          throw new IllegalArgumentException(
              "policy of "
                  + qualified
                  + " allows dimension ["
                  + dim
                  + "], which is not declared"
                  + " a dimension");
        }
      }
      for (String metric : policy.aggregateRules().keySet()) {
        requireMetric(qualified, metric, "allowAggregates");
      }
      for (Map.Entry<String, Bounds> e : policy.groupClamps().entrySet()) {
        requireMetric(qualified, e.getKey(), "clampPerGroup");
      }
      return new Dataset(this, schema);
    }

    private void requireMetric(String qualified, String metric, String rule) {
      if (!metrics.containsKey(metric)) {
        throw new IllegalArgumentException(
            "policy of "
                + qualified
                + " sets "
                + rule
                + " for ["
                + metric
                + "], which is not a declared metric");
      }
    }
  }
}
