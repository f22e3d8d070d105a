package dev.cleanroom.policy;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryLimit;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.TimeBucket;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads a policy document: YAML 1.2 (which includes JSON) composed into a node tree with positions,
 * then checked field by field. Every error names the line, column and field path and never repeats
 * a value: only field names, valid column names used as keys, and positions.
 */
final class DocumentParser {
  /** The largest document, in code points. */
  static final int MAX_CODE_POINTS = 1 << 20;

  /** The deepest nesting of mappings and lists; a valid document needs 4. */
  static final int MAX_DEPTH = 8;

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]{1,30}");
  private static final Pattern DECIMAL =
      Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  private static final double MAX_METRIC_BOUND = Double.MAX_VALUE;

  private static final List<String> ROOT =
      List.of("cleanroomPolicy", "owner", "dataset", "columns", "policy");
  private static final List<String> COLUMN = List.of("type", "role", "format", "bounds");
  private static final List<String> BOUNDS = List.of("lower", "upper");
  private static final List<String> POLICY =
      List.of(
          "analysts",
          "receivers",
          "joinColumns",
          "dimensions",
          "aggregates",
          "groupClamps",
          "minDistinctUsers",
          "maxGroupsPerUser",
          "maxContributionsPerGroup",
          "differentialPrivacy",
          "queryLimit",
          "requireApprovedTemplates",
          "differenceCheckRetention",
          "cohortReceivers",
          "minCohortSize");
  private static final List<String> DP = List.of("budget", "maxEpsilonPerQuery", "period");
  private static final List<String> BUDGET = List.of("epsilon", "delta");
  private static final List<String> LIMIT = List.of("queries", "period");

  private DocumentParser() {}

  private static LoadSettings settings() {
    return LoadSettings.builder()
        .setLabel("policy document")
        .setCodePointLimit(MAX_CODE_POINTS)
        .setMaxAliasesForCollections(0)
        .setAllowDuplicateKeys(false)
        .setAllowRecursiveKeys(false)
        .setParseComments(false)
        .build();
  }

  static PolicyDocument parse(String text) {
    if (text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
      throw new PolicyDocumentException(
          1, 1, "", "the document is larger than " + MAX_CODE_POINTS + " characters");
    }
    Node root = compose(text);
    return document(root);
  }

  /** Checks nesting, anchors and aliases on the event stream first: composing recurses. */
  private static Node compose(String text) {
    try {
      int depth = 0;
      for (Event e : new Parse(settings()).parseString(text)) {
        switch (e.getEventId()) {
          case Alias -> throw error(e.getStartMark(), "", "aliases are not allowed");
          case SequenceStart, MappingStart -> {
            if (++depth > MAX_DEPTH) {
              throw error(e.getStartMark(), "", "nested deeper than " + MAX_DEPTH + " levels");
            }
          }
          case SequenceEnd, MappingEnd -> depth--;
          default -> {}
        }
        if (e instanceof NodeEvent n && n.getAnchor().isPresent()) {
          throw error(e.getStartMark(), "", "anchors are not allowed");
        }
      }
      Optional<Node> node = new Compose(settings()).composeString(text);
      if (node.isEmpty()) {
        throw new PolicyDocumentException(1, 1, "", "the document is empty");
      }
      return node.get();
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      throw error(mark, "", "not well-formed YAML or JSON (" + describe(e) + ")");
    } catch (YamlEngineException e) {
      throw new PolicyDocumentException(1, 1, "", "not readable as YAML or JSON");
    } catch (PolicyDocumentException e) {
      throw e;
    } catch (RuntimeException e) {
      // The YAML library failing on input it should have refused: still the document's fault.
      throw new PolicyDocumentException(1, 1, "", "not readable as YAML or JSON");
    }
  }

  /** The words the YAML library's problem texts are made of; nothing else is repeated. */
  private static final Set<String> VOCABULARY =
      Set.of(
          "a",
          "allowed",
          "an",
          "another",
          "any",
          "are",
          "be",
          "block",
          "break",
          "but",
          "cannot",
          "character",
          "characters",
          "collection",
          "colon",
          "could",
          "directive",
          "document",
          "empty",
          "end",
          "entry",
          "escape",
          "expected",
          "explicit",
          "find",
          "flow",
          "for",
          "found",
          "here",
          "implicit",
          "in",
          "indentation",
          "indicator",
          "is",
          "key",
          "keys",
          "line",
          "mapping",
          "node",
          "not",
          "of",
          "or",
          "plain",
          "quoted",
          "scalar",
          "scanning",
          "sequence",
          "simple",
          "single",
          "special",
          "start",
          "stream",
          "tag",
          "that",
          "the",
          "to",
          "token",
          "unexpected",
          "unknown",
          "value",
          "values",
          "while",
          "whitespace",
          "with",
          "<block",
          "<flow",
          "<document",
          "<stream",
          "<scalar>",
          "sequence>",
          "end>",
          "start>",
          "mapping>",
          "entry>",
          "key>",
          "value>",
          "…");

  /**
   * The library's problem text without anything it quotes from the document, and only if every
   * remaining word is one of its own; otherwise just "syntax error".
   */
  private static String describe(MarkedYamlEngineException e) {
    String p = e.getProblem() == null ? "" : e.getProblem();
    p = p.replaceAll("'[^']*'|\"[^\"]*\"|`[^`]*`", "…").replaceAll("[,:;()]", " ").trim();
    if (p.isEmpty() || p.length() > 120) {
      return "syntax error";
    }
    for (String word : p.split("\\s+")) {
      if (!VOCABULARY.contains(word.toLowerCase(Locale.ROOT))) {
        return "syntax error";
      }
    }
    return p.replaceAll("\\s+", " ");
  }

  private static PolicyDocumentException error(Optional<Mark> mark, String path, String problem) {
    return mark.map(
            m -> new PolicyDocumentException(m.getLine() + 1, m.getColumn() + 1, path, problem))
        .orElseGet(() -> new PolicyDocumentException(1, 1, path, problem));
  }

  private static PolicyDocumentException error(Node node, String path, String problem) {
    return error(node.getStartMark(), path, problem);
  }

  private static String child(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  // ---- the document ------------------------------------------------------------------------

  private static PolicyDocument document(Node root) {
    Map<String, Node> f = fields(root, "", ROOT);
    integer(required(f, root, "", "cleanroomPolicy"), "cleanroomPolicy", 1, 1);
    String owner = name(required(f, root, "", "owner"), "owner");
    String dataset = name(required(f, root, "", "dataset"), "dataset");
    Node columnsNode = required(f, root, "", "columns");
    Map<String, Node> columnNodes = entries(columnsNode, "columns");
    List<Column> columns = new ArrayList<>();
    Map<String, ColumnRole> roles = new LinkedHashMap<>();
    Map<String, Bounds> bounds = new LinkedHashMap<>();
    String userId = null;
    UserIdFormat format = UserIdFormat.RAW;
    for (Map.Entry<String, Node> e : columnNodes.entrySet()) {
      String path = "columns." + e.getKey();
      Node node = e.getValue();
      Map<String, Node> c = fields(node, path, COLUMN);
      ColumnType type =
          choice(required(c, node, path, "type"), child(path, "type"), ColumnType.values());
      ColumnRole role =
          choice(required(c, node, path, "role"), child(path, "role"), ColumnRole.values());
      columns.add(new Column(e.getKey(), type));
      roles.put(e.getKey(), role);
      if (c.containsKey("format") && role != ColumnRole.USER_ID) {
        throw error(c.get("format"), child(path, "format"), "only a user_id column has a format");
      }
      if (c.containsKey("bounds") && role != ColumnRole.METRIC) {
        throw error(c.get("bounds"), child(path, "bounds"), "only a metric column has bounds");
      }
      switch (role) {
        case USER_ID -> {
          if (userId != null) {
            throw error(node, path, "a second user_id column; a dataset has exactly one");
          }
          userId = e.getKey();
          if (c.containsKey("format")) {
            format = choice(c.get("format"), child(path, "format"), UserIdFormat.values());
          }
          if (type != ColumnType.STRING && type != ColumnType.LONG) {
            throw error(c.get("type"), child(path, "type"), "a user_id column is string or long");
          }
          if (type == ColumnType.LONG && format != UserIdFormat.RAW) {
            throw error(
                c.get("format"), child(path, "format"), "a long user_id column has format raw");
          }
        }
        case METRIC -> {
          if (!type.isNumeric()) {
            throw error(c.get("type"), child(path, "type"), "a metric column is long or double");
          }
          bounds.put(e.getKey(), bounds(required(c, node, path, "bounds"), child(path, "bounds")));
        }
        default -> {}
      }
    }
    if (userId == null) {
      throw error(columnsNode, "columns", "no column has role user_id; a dataset needs one");
    }
    Policy policy = policy(required(f, root, "", "policy"), "policy", roles, userId);
    return new PolicyDocument(owner, dataset, columns, roles, userId, format, bounds, policy);
  }

  private static Policy policy(
      Node node, String path, Map<String, ColumnRole> roles, String userId) {
    Map<String, Node> f = fields(node, path, POLICY);
    Policy.Builder b = Policy.builder();
    b.allowAnalysts(names(required(f, node, path, "analysts"), child(path, "analysts"), 1));
    if (f.containsKey("receivers")) {
      b.allowReceivers(names(f.get("receivers"), child(path, "receivers"), 1));
    }
    if (f.containsKey("joinColumns")) {
      String p = child(path, "joinColumns");
      String[] joins = names(f.get("joinColumns"), p, 0);
      List<Node> items = list(f.get("joinColumns"), p);
      for (int i = 0; i < joins.length; i++) {
        if (!joins[i].equals(userId)) {
          throw error(
              items.get(i), p + "[" + i + "]", "datasets are joined on their user_id column only");
        }
      }
      b.allowJoinOn(joins);
    }
    if (f.containsKey("dimensions")) {
      String p = child(path, "dimensions");
      List<Node> items = list(f.get("dimensions"), p);
      if (items.isEmpty()) {
        throw error(f.get("dimensions"), p, "must name at least 1");
      }
      List<String> dims = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        String q = p + "[" + i + "]";
        // A time bucket of a column, week(day), allows that bucket alone (see TimeBucket).
        String raw = items.get(i) instanceof ScalarNode sn ? sn.getValue() : name(items.get(i), q);
        Optional<TimeBucket.Named> bucket = TimeBucket.parse(raw);
        String dim = bucket.isPresent() ? raw : name(items.get(i), q);
        String column = bucket.map(TimeBucket.Named::column).orElse(dim);
        if (bucket.isPresent() && !NAME.matcher(column).matches()) {
          throw error(items.get(i), q, "is a time bucket of a column name that is not a name");
        }
        if (dims.contains(dim)) {
          throw error(items.get(i), q, "is listed twice");
        }
        if (roles.get(column) != ColumnRole.DIMENSION) {
          throw error(items.get(i), q, "is not a column with role dimension");
        }
        dims.add(dim);
      }
      b.allowDimensions(dims.toArray(new String[0]));
    }
    if (f.containsKey("aggregates")) {
      String p = child(path, "aggregates");
      for (Map.Entry<String, Node> e : entries(f.get("aggregates"), p).entrySet()) {
        String q = p + "." + e.getKey();
        requireMetric(roles, e.getKey(), e.getValue(), q);
        List<Node> items = list(e.getValue(), q);
        if (items.isEmpty()) {
          throw error(e.getValue(), q, "must name at least one function");
        }
        Set<AggregateFunction> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
          AggregateFunction fn =
              choice(
                  items.get(i),
                  q + "[" + i + "]",
                  AggregateFunction.SUM,
                  AggregateFunction.AVG,
                  AggregateFunction.VARIANCE,
                  AggregateFunction.STDDEV,
                  AggregateFunction.QUANTILE);
          if (!seen.add(fn)) {
            throw error(items.get(i), q + "[" + i + "]", "is listed twice");
          }
        }
        b.allowAggregates(e.getKey(), seen.toArray(new AggregateFunction[0]));
      }
    }
    if (f.containsKey("groupClamps")) {
      String p = child(path, "groupClamps");
      for (Map.Entry<String, Node> e : entries(f.get("groupClamps"), p).entrySet()) {
        String q = p + "." + e.getKey();
        requireMetric(roles, e.getKey(), e.getValue(), q);
        Bounds bounds = bounds(e.getValue(), q);
        b.clampPerGroup(e.getKey(), bounds.lower(), bounds.upper());
      }
    }
    b.minDistinctUsers(
        integer(
            required(f, node, path, "minDistinctUsers"),
            child(path, "minDistinctUsers"),
            Policy.MIN_K,
            Policy.MAX_K));
    if (f.containsKey("maxGroupsPerUser")) {
      b.maxGroupsPerUser(
          integer(
              f.get("maxGroupsPerUser"),
              child(path, "maxGroupsPerUser"),
              1,
              Policy.MAX_CONTRIBUTION_BOUND));
    }
    if (f.containsKey("maxContributionsPerGroup")) {
      b.maxContributionsPerGroup(
          integer(
              f.get("maxContributionsPerGroup"),
              child(path, "maxContributionsPerGroup"),
              1,
              Policy.MAX_CONTRIBUTION_BOUND));
    }
    if (f.containsKey("differentialPrivacy")) {
      differentialPrivacy(b, f.get("differentialPrivacy"), child(path, "differentialPrivacy"));
    }
    if (f.containsKey("queryLimit")) {
      String p = child(path, "queryLimit");
      Node q = f.get("queryLimit");
      Map<String, Node> l = fields(q, p, LIMIT);
      int queries =
          integer(required(l, q, p, "queries"), child(p, "queries"), 1, QueryLimit.MAX_QUERIES);
      BudgetPeriod period =
          choice(required(l, q, p, "period"), child(p, "period"), BudgetPeriod.values());
      b.maxQueries(queries, period);
    }
    if (f.containsKey("requireApprovedTemplates")
        && bool(f.get("requireApprovedTemplates"), child(path, "requireApprovedTemplates"))) {
      b.requireApprovedTemplates();
    }
    if (f.containsKey("differenceCheckRetention")) {
      String p = child(path, "differenceCheckRetention");
      Node r = f.get("differenceCheckRetention");
      if (r instanceof ScalarNode s && Tag.STR.equals(s.getTag()) && s.getValue().equals("off")) {
        b.withoutDifferenceChecks();
      } else {
        b.differenceCheckRetention(duration(r, p));
      }
    }
    if (f.containsKey("cohortReceivers")) {
      String[] receivers = names(f.get("cohortReceivers"), child(path, "cohortReceivers"), 0);
      if (receivers.length > 0) {
        b.allowCohortRelease(receivers);
      }
    }
    if (f.containsKey("minCohortSize")) {
      b.minCohortSize(
          integer(
              f.get("minCohortSize"),
              child(path, "minCohortSize"),
              Policy.MIN_COHORT_SIZE,
              Integer.MAX_VALUE));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // Every rule of build() is checked above; this is a safety net that repeats no value.
      throw error(node, path, "not a valid policy");
    }
  }

  private static void differentialPrivacy(Policy.Builder b, Node node, String path) {
    Map<String, Node> f = fields(node, path, DP);
    String bp = child(path, "budget");
    Node budgetNode = required(f, node, path, "budget");
    Map<String, Node> budget = fields(budgetNode, bp, BUDGET);
    Node epsNode = required(budget, budgetNode, bp, "epsilon");
    BigDecimal epsilon = parameter(epsNode, child(bp, "epsilon"));
    PrivacyBudget total;
    if (budget.containsKey("delta")) {
      Node deltaNode = budget.get("delta");
      BigDecimal delta = decimal(deltaNode, child(bp, "delta"));
      if (delta.signum() < 0 || delta.compareTo(BigDecimal.ONE) >= 0) {
        throw error(deltaNode, child(bp, "delta"), "must be in [0, 1)");
      }
      total = new PrivacyBudget.ApproxDp(epsilon, delta);
    } else {
      total = new PrivacyBudget.PureDp(epsilon);
    }
    String cp = child(path, "maxEpsilonPerQuery");
    Node capNode = required(f, node, path, "maxEpsilonPerQuery");
    BigDecimal cap = BigDecimal.valueOf(parameter(capNode, cp).doubleValue());
    if (cap.compareTo(epsilon) > 0) {
      throw error(capNode, cp, "must not exceed budget.epsilon");
    }
    b.differentialPrivacy(total, cap.doubleValue());
    if (f.containsKey("period")) {
      b.budgetPeriod(choice(f.get("period"), child(path, "period"), BudgetPeriod.values()));
    }
  }

  private static void requireMetric(
      Map<String, ColumnRole> roles, String column, Node node, String path) {
    if (roles.get(column) != ColumnRole.METRIC) {
      throw error(node, path, "is not a column with role metric");
    }
  }

  // ---- structure ---------------------------------------------------------------------------

  /** The fields of a mapping, each a known field name given once. */
  private static Map<String, Node> fields(Node node, String path, List<String> known) {
    if (!(node instanceof MappingNode m)) {
      throw error(node, path, "must be a mapping with fields " + known);
    }
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node key = t.getKeyNode();
      if (!(key instanceof ScalarNode k) || !Tag.STR.equals(k.getTag())) {
        throw error(key, path, "a field name must be text");
      }
      String name = k.getValue();
      if (!known.contains(name)) {
        String shown =
            NAME.matcher(name).matches() ? "unknown field '" + name + "'" : "unknown field";
        throw error(key, path, shown + "; the fields are " + known);
      }
      if (out.containsKey(name)) {
        throw error(key, child(path, name), "is given twice");
      }
      out.put(name, t.getValueNode());
    }
    return out;
  }

  /** The entries of a mapping keyed by column names, each given once. */
  private static Map<String, Node> entries(Node node, String path) {
    if (!(node instanceof MappingNode m)) {
      throw error(node, path, "must be a mapping from column names");
    }
    Map<String, Node> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      Node key = t.getKeyNode();
      if (!(key instanceof ScalarNode k)
          || !Tag.STR.equals(k.getTag())
          || !NAME.matcher(k.getValue()).matches()) {
        throw error(
            key,
            path,
            "a column name must start with a letter or underscore and contain only letters,"
                + " digits and underscores (at most 128)");
      }
      if (out.containsKey(k.getValue())) {
        throw error(key, path + "." + k.getValue(), "is given twice");
      }
      out.put(k.getValue(), t.getValueNode());
    }
    return out;
  }

  private static Node required(Map<String, Node> fields, Node parent, String path, String field) {
    Node n = fields.get(field);
    if (n == null) {
      throw error(parent, child(path, field), "is required");
    }
    return n;
  }

  private static List<Node> list(Node node, String path) {
    if (!(node instanceof SequenceNode s)) {
      throw error(node, path, "must be a list");
    }
    return s.getValue();
  }

  // ---- scalars -----------------------------------------------------------------------------

  private static ScalarNode scalar(Node node, String path, Tag tag, String what) {
    if (!(node instanceof ScalarNode s) || !tag.equals(s.getTag())) {
      throw error(node, path, "must be " + what);
    }
    return s;
  }

  private static String name(Node node, String path) {
    String v =
        scalar(node, path, Tag.STR, "a name (quote it if it reads as true, false or null)")
            .getValue();
    if (!NAME.matcher(v).matches()) {
      throw error(
          node,
          path,
          "must start with a letter or underscore and contain only letters, digits and"
              + " underscores (at most 128)");
    }
    return v;
  }

  private static String[] names(Node node, String path, int min) {
    List<Node> items = list(node, path);
    if (items.size() < min) {
      throw error(node, path, "must name at least " + min);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String n = name(items.get(i), path + "[" + i + "]");
      if (out.contains(n)) {
        throw error(items.get(i), path + "[" + i + "]", "is listed twice");
      }
      out.add(n);
    }
    return out.toArray(new String[0]);
  }

  @SafeVarargs
  private static <E extends Enum<E>> E choice(Node node, String path, E... allowed) {
    List<String> words = new ArrayList<>();
    for (E e : allowed) {
      words.add(DocumentWriter.lower(e));
    }
    String what = "one of " + words;
    String v = scalar(node, path, Tag.STR, what).getValue();
    for (E e : allowed) {
      if (DocumentWriter.lower(e).equals(v)) {
        return e;
      }
    }
    throw error(node, path, "must be " + what);
  }

  private static boolean bool(Node node, String path) {
    return scalar(node, path, Tag.BOOL, "true or false")
        .getValue()
        .toLowerCase(Locale.ROOT)
        .equals("true");
  }

  private static int integer(Node node, String path, int min, int max) {
    ScalarNode s = scalarNumber(node, path, "an integer");
    if (!Tag.INT.equals(s.getTag()) || !INTEGER.matcher(s.getValue()).matches()) {
      throw error(node, path, "must be a decimal integer");
    }
    BigInteger v =
        new BigInteger(s.getValue().startsWith("+") ? s.getValue().substring(1) : s.getValue());
    if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw error(node, path, "must be in [" + min + ", " + max + "]");
    }
    return v.intValueExact();
  }

  private static ScalarNode scalarNumber(Node node, String path, String what) {
    if (!(node instanceof ScalarNode s)
        || !(Tag.INT.equals(s.getTag()) || Tag.FLOAT.equals(s.getTag()))) {
      throw error(node, path, "must be " + what);
    }
    return s;
  }

  /** An exact decimal number, finite as a double. */
  private static BigDecimal decimal(Node node, String path) {
    ScalarNode s = scalarNumber(node, path, "a number");
    String v = s.getValue();
    if (!DECIMAL.matcher(v).matches()) {
      throw error(node, path, "must be a finite decimal number");
    }
    BigDecimal d;
    try {
      d = new BigDecimal(v.startsWith("+") ? v.substring(1) : v);
    } catch (NumberFormatException | ArithmeticException e) {
      throw error(node, path, "must be a finite decimal number");
    }
    if (!Double.isFinite(d.doubleValue())) {
      throw error(node, path, "must be a finite decimal number");
    }
    return d;
  }

  /** ε: at least 2^-50 and finite. */
  private static BigDecimal parameter(Node node, String path) {
    BigDecimal d = decimal(node, path);
    if (d.doubleValue() < PrivacyBudget.MIN_PARAMETER) {
      throw error(node, path, "must be positive, at least 2^-50");
    }
    return d;
  }

  /** A finite double; {@code -0} reads as negative zero. */
  private static double number(Node node, String path) {
    decimal(node, path);
    double v = Double.parseDouble(((ScalarNode) node).getValue());
    if (!Double.isFinite(v) || Math.abs(v) > MAX_METRIC_BOUND) {
      throw error(node, path, "must be a finite decimal number");
    }
    return v;
  }

  private static Bounds bounds(Node node, String path) {
    Map<String, Node> f = fields(node, path, BOUNDS);
    double lower = number(required(f, node, path, "lower"), child(path, "lower"));
    double upper = number(required(f, node, path, "upper"), child(path, "upper"));
    if (lower > upper) {
      throw error(node, path, "lower must not exceed upper");
    }
    return Bounds.of(lower, upper);
  }

  private static Duration duration(Node node, String path) {
    String what = "off or an ISO-8601 duration such as P30D or PT12H";
    String v = scalar(node, path, Tag.STR, what).getValue();
    Duration d;
    try {
      d = Duration.parse(v);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw error(node, path, "must be " + what);
    }
    if (d.isNegative() || d.isZero()) {
      throw error(node, path, "must be positive");
    }
    return d;
  }
}
