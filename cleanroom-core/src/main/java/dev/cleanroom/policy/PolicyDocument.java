package dev.cleanroom.policy;

import dev.cleanroom.Bounds;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.commons.codec.digest.DigestUtils;

/**
 * A dataset's roles and policy as a document that its owner can review, version, diff and sign off:
 * the dataset's owner and name, its declared columns with their types and roles (with the user id
 * format and the metric bounds), and the owner's {@link Policy}. The README's section "Policy
 * documents" describes every field.
 *
 * <p>A document is read from YAML 1.2 or JSON with {@link #parse(String)} or {@link #read(Path)},
 * or made from a built dataset with {@link #of(Dataset)}. Its {@linkplain #toYaml() canonical form}
 * writes every field in a fixed order, names sorted, numbers in one spelling and defaults included,
 * so that two documents with the same meaning have the same canonical form and the same {@link
 * #hash()}; that hash is what {@link dev.cleanroom.CleanRoom#version(String)} reports as the {@code
 * policyHash} of a dataset registered from this document, and what the audit trail records for each
 * query.
 *
 * <pre>{@code
 * PolicyDocument doc = PolicyDocument.read(Path.of("policies/impressions.yaml"));
 * room.register(doc.dataset(CsvSource.of(path, schema)));
 * assert room.version(doc.qualifiedName()).policyHash().equals(doc.hash());
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe. Two documents are equal when their canonical forms
 * are equal.
 */
public final class PolicyDocument {
  private final String owner;
  private final String name;
  private final List<Column> columns;
  private final Map<String, ColumnRole> roles;
  private final String userIdColumn;
  private final UserIdFormat userIdFormat;
  private final Map<String, Bounds> metricBounds;
  private final Policy policy;
  private final String yaml;

  PolicyDocument(
      String owner,
      String name,
      List<Column> columns,
      Map<String, ColumnRole> roles,
      String userIdColumn,
      UserIdFormat userIdFormat,
      Map<String, Bounds> metricBounds,
      Policy policy) {
    this.owner = owner;
    this.name = name;
    List<Column> sorted = new ArrayList<>(columns);
    sorted.sort(Comparator.comparing(Column::name));
    this.columns = List.copyOf(sorted);
    Map<String, ColumnRole> r = new LinkedHashMap<>();
    Map<String, Bounds> m = new LinkedHashMap<>();
    for (Column c : this.columns) {
      r.put(c.name(), roles.get(c.name()));
      if (metricBounds.containsKey(c.name())) {
        m.put(c.name(), metricBounds.get(c.name()));
      }
    }
    this.roles = Collections.unmodifiableMap(r);
    this.userIdColumn = userIdColumn;
    this.userIdFormat = userIdFormat;
    this.metricBounds = Collections.unmodifiableMap(m);
    this.policy = policy;
    this.yaml = DocumentWriter.yaml(this);
  }

  /**
   * Reads a policy document from YAML 1.2 or JSON text.
   *
   * @param text the document
   * @return the document
   * @throws NullPointerException if {@code text} is null
   * @throws PolicyDocumentException if the text is not a valid policy document; the message names
   *     the line, column and field, never a value
   */
  public static PolicyDocument parse(String text) {
    Objects.requireNonNull(text, "text");
    return DocumentParser.parse(text);
  }

  /**
   * Reads a policy document from a UTF-8 file of YAML 1.2 or JSON.
   *
   * @param file the file
   * @return the document
   * @throws IOException if the file cannot be read or is not UTF-8
   * @throws PolicyDocumentException if the file is not a valid policy document
   */
  public static PolicyDocument read(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /**
   * The document of a built dataset: its owner and name, its declared columns with the types its
   * source reports, their roles, the user id format, the metric bounds and the policy. {@code
   * PolicyDocument.of(doc.dataset(source))} equals {@code doc}.
   *
   * @param dataset the dataset
   * @return its document
   */
  public static PolicyDocument of(Dataset dataset) {
    Objects.requireNonNull(dataset, "dataset");
    List<Column> cols = new ArrayList<>();
    Map<String, Bounds> bounds = new LinkedHashMap<>();
    for (String c : dataset.roles().keySet()) {
      cols.add(dataset.schema().column(c).orElseThrow());
      dataset.metricBounds(c).ifPresent(b -> bounds.put(c, b));
    }
    return new PolicyDocument(
        dataset.owner(),
        dataset.name(),
        cols,
        dataset.roles(),
        dataset.userIdColumn(),
        dataset.userIdFormat(),
        bounds,
        dataset.policy());
  }

  /**
   * The dataset this document describes, reading its rows from {@code source}: ready for {@link
   * dev.cleanroom.CleanRoom#register}. Each declared column must be in the source's schema with the
   * document's type; the source may have more columns, which are blocked.
   *
   * @param source where the rows come from
   * @return the dataset
   * @throws IllegalArgumentException if a declared column is missing from the source's schema or
   *     has another type there
   */
  public Dataset dataset(DataSource source) {
    Objects.requireNonNull(source, "source");
    Schema schema = Objects.requireNonNull(source.schema(), "source schema");
    for (Column c : columns) {
      Optional<Column> actual = schema.column(c.name());
      if (actual.isEmpty()) {
        throw new IllegalArgumentException(
            "column ["
                + c.name()
                + "] of the policy document of "
                + qualifiedName()
                + " is not in the source; its columns are: "
                + schema.names());
      }
      if (actual.get().type() != c.type()) {
        throw new IllegalArgumentException(
            "column ["
                + c.name()
                + "] of "
                + qualifiedName()
                + " is "
                + actual.get().type()
                + " in the source but "
                + c.type()
                + " in the policy document");
      }
    }
    Dataset.Builder b = Dataset.builder(owner, name).source(source);
    for (Column c : columns) {
      switch (roles.get(c.name())) {
        case USER_ID -> b.userId(c.name(), userIdFormat);
        case DIMENSION -> b.dimension(c.name());
        case METRIC -> {
          Bounds bounds = metricBounds.get(c.name());
          b.metric(c.name(), bounds.lower(), bounds.upper());
        }
        case BLOCKED -> b.blocked(c.name());
      }
    }
    return b.policy(policy).build();
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
   * The declared columns with their types, sorted by name.
   *
   * @return the declared columns
   */
  public List<Column> columns() {
    return columns;
  }

  /**
   * The role of each declared column, by column name (sorted); columns a source has beyond these
   * are blocked.
   *
   * @return the roles
   */
  public Map<String, ColumnRole> roles() {
    return roles;
  }

  /**
   * The user id column.
   *
   * @return the user id column
   */
  public String userIdColumn() {
    return userIdColumn;
  }

  /**
   * How the user id column holds its identifiers.
   *
   * @return the user id format
   */
  public UserIdFormat userIdFormat() {
    return userIdFormat;
  }

  /**
   * The declared bounds of each metric, by column name (sorted).
   *
   * @return the metric bounds
   */
  public Map<String, Bounds> metricBounds() {
    return metricBounds;
  }

  /**
   * The owner's policy.
   *
   * @return the policy
   */
  public Policy policy() {
    return policy;
  }

  /**
   * The canonical form: YAML with the fields in a fixed order, names sorted, every default written,
   * numbers in their shortest exact decimal spelling, two-space indentation and a final newline. It
   * is also valid input to {@link #parse(String)}, which gives back an equal document.
   *
   * @return the canonical YAML text
   */
  public String toYaml() {
    return yaml;
  }

  /**
   * The same content as {@link #toYaml()} written as JSON (same field order and number spelling).
   *
   * @return the JSON text
   */
  public String toJson() {
    return DocumentWriter.json(this);
  }

  /**
   * SHA-256 (lower-case hex) of the UTF-8 bytes of the {@linkplain #toYaml() canonical form}: the
   * version of the rules an owner signs off, and the {@code policyHash} of a dataset registered
   * from this document.
   *
   * @return the hash
   */
  public String hash() {
    return DigestUtils.sha256Hex(yaml.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether {@code o} is a document with the same canonical form.
   *
   * @param o the object to compare with
   * @return whether {@code o} is a document with the same canonical form
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyDocument d && d.yaml.equals(yaml);
  }

  /**
   * A hash code of the canonical form.
   *
   * @return a hash code of the canonical form
   */
  @Override
  public int hashCode() {
    return yaml.hashCode();
  }

  @Override
  public String toString() {
    return "PolicyDocument[" + qualifiedName() + ", " + hash() + "]";
  }

  /** The text of a column type in a document. */
  static String text(ColumnType type) {
    return type.name().toLowerCase(java.util.Locale.ROOT);
  }
}
