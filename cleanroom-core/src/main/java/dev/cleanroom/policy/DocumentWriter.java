package dev.cleanroom.policy;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryLimit;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Writes the canonical form of a {@link PolicyDocument} as YAML or JSON from one ordered tree, so
 * that both carry the same fields in the same order with the same number spelling.
 */
final class DocumentWriter {
  /** Plain YAML 1.2 scalars that the core schema reads as booleans or null. */
  private static final Pattern RESERVED =
      Pattern.compile("true|True|TRUE|false|False|FALSE|null|Null|NULL");

  private DocumentWriter() {}

  /** A mapping written in block style in YAML. */
  private record Block(Map<String, Object> fields) {}

  /** A mapping written in flow style in YAML. */
  private record Flow(Map<String, Object> fields) {}

  /** A number or boolean, written as it is. */
  private record Raw(String text) {}

  static String yaml(PolicyDocument d) {
    StringBuilder out = new StringBuilder();
    writeBlock(out, tree(d), 0);
    return out.toString();
  }

  static String json(PolicyDocument d) {
    StringBuilder out = new StringBuilder();
    writeJson(out, tree(d), 0);
    return out.append('\n').toString();
  }

  private static Block tree(PolicyDocument d) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("cleanroomPolicy", new Raw("1"));
    root.put("owner", d.owner());
    root.put("dataset", d.name());
    Map<String, Object> columns = new LinkedHashMap<>();
    for (Column c : d.columns()) {
      Map<String, Object> col = new LinkedHashMap<>();
      ColumnRole role = d.roles().get(c.name());
      col.put("type", PolicyDocument.text(c.type()));
      col.put("role", lower(role));
      if (role == ColumnRole.USER_ID) {
        col.put("format", lower(d.userIdFormat()));
      }
      if (role == ColumnRole.METRIC) {
        col.put("bounds", bounds(d.metricBounds().get(c.name())));
      }
      columns.put(c.name(), new Flow(col));
    }
    root.put("columns", new Block(columns));
    root.put("policy", policy(d.policy()));
    return new Block(root);
  }

  private static Block policy(Policy p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("analysts", sorted(p.analysts()));
    out.put("receivers", sorted(p.receivers()));
    out.put("joinColumns", sorted(p.joinColumns()));
    p.allowedDimensions().ifPresent(dims -> out.put("dimensions", sorted(dims)));
    Map<String, Object> aggregates = new LinkedHashMap<>();
    new TreeMap<>(p.aggregateRules())
        .forEach((metric, fns) -> aggregates.put(metric, functions(fns)));
    out.put("aggregates", new Block(aggregates));
    Map<String, Object> clamps = new LinkedHashMap<>();
    new TreeMap<>(p.groupClamps()).forEach((metric, b) -> clamps.put(metric, bounds(b)));
    out.put("groupClamps", new Block(clamps));
    out.put("minDistinctUsers", new Raw(Integer.toString(p.minDistinctUsers())));
    out.put("maxGroupsPerUser", new Raw(Integer.toString(p.maxGroupsPerUser())));
    out.put("maxContributionsPerGroup", new Raw(Integer.toString(p.maxContributionsPerGroup())));
    p.differentialPrivacy().ifPresent(dp -> out.put("differentialPrivacy", dp(dp)));
    p.queryLimit().ifPresent(q -> out.put("queryLimit", limit(q)));
    out.put("requireApprovedTemplates", new Raw(Boolean.toString(p.requiresApprovedTemplates())));
    out.put(
        "differenceCheckRetention",
        p.differenceCheckRetention().map(DocumentWriter::duration).orElse("off"));
    out.put("cohortReceivers", sorted(p.cohortReceivers()));
    out.put("minCohortSize", new Raw(Integer.toString(p.minCohortSize())));
    return new Block(out);
  }

  private static Block dp(DifferentialPrivacyRule rule) {
    Map<String, Object> budget = new LinkedHashMap<>();
    budget.put("epsilon", new Raw(decimal(rule.total().epsilon())));
    if (rule.total() instanceof PrivacyBudget.ApproxDp) {
      budget.put("delta", new Raw(decimal(rule.total().delta())));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("budget", new Flow(budget));
    out.put("maxEpsilonPerQuery", new Raw(decimal(rule.maxEpsilonPerQuery())));
    out.put("period", lower(rule.period()));
    return new Block(out);
  }

  private static Flow limit(QueryLimit q) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("queries", new Raw(Integer.toString(q.queries())));
    out.put("period", lower(q.period()));
    return new Flow(out);
  }

  private static Flow bounds(Bounds b) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("lower", new Raw(number(b.lower())));
    out.put("upper", new Raw(number(b.upper())));
    return new Flow(out);
  }

  private static List<Object> sorted(Set<String> names) {
    return new ArrayList<>(new TreeSet<>(names));
  }

  private static List<Object> functions(Set<AggregateFunction> fns) {
    TreeSet<String> names = new TreeSet<>();
    for (AggregateFunction f : fns) {
      names.add(lower(f));
    }
    return new ArrayList<>(names);
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** Whole days as {@code P30D}; anything else as {@link Duration#toString()}. */
  static String duration(Duration d) {
    if (d.getNano() == 0 && d.getSeconds() % 86_400 == 0) {
      return "P" + d.getSeconds() / 86_400 + "D";
    }
    return d.toString();
  }

  /** The shortest decimal that reads back as {@code v}; {@code -0} for negative zero. */
  static String number(double v) {
    if (v == 0) {
      return Double.doubleToRawLongBits(v) == 0 ? "0" : "-0";
    }
    return decimal(BigDecimal.valueOf(v));
  }

  /**
   * One spelling per value: no trailing zeros, plain digits when the decimal exponent is in [-7,
   * 21), otherwise scientific notation such as {@code 1E+300}.
   */
  static String decimal(BigDecimal v) {
    if (v.signum() == 0) {
      return "0";
    }
    BigDecimal s = v.stripTrailingZeros();
    int exponent = s.precision() - s.scale() - 1;
    return exponent >= -7 && exponent < 21 ? s.toPlainString() : s.toString();
  }

  private static void writeBlock(StringBuilder out, Block block, int indent) {
    for (Map.Entry<String, Object> e : block.fields().entrySet()) {
      out.append(" ".repeat(indent)).append(e.getKey()).append(':');
      Object v = e.getValue();
      if (v instanceof Block b && !b.fields().isEmpty()) {
        out.append('\n');
        writeBlock(out, b, indent + 2);
      } else {
        out.append(' ');
        writeFlow(out, v);
        out.append('\n');
      }
    }
  }

  private static void writeFlow(StringBuilder out, Object v) {
    if (v instanceof Block b) {
      writeFlowMap(out, b.fields());
    } else if (v instanceof Flow f) {
      writeFlowMap(out, f.fields());
    } else if (v instanceof Collection<?> list) {
      out.append('[');
      String sep = "";
      for (Object o : list) {
        out.append(sep);
        writeFlow(out, o);
        sep = ", ";
      }
      out.append(']');
    } else if (v instanceof Raw r) {
      out.append(r.text());
    } else {
      String s = (String) v;
      out.append(RESERVED.matcher(s).matches() ? '"' + s + '"' : s);
    }
  }

  private static void writeFlowMap(StringBuilder out, Map<String, Object> fields) {
    out.append('{');
    String sep = "";
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      out.append(sep).append(e.getKey()).append(": ");
      writeFlow(out, e.getValue());
      sep = ", ";
    }
    out.append('}');
  }

  private static void writeJson(StringBuilder out, Object v, int indent) {
    Map<String, Object> fields =
        v instanceof Block b ? b.fields() : v instanceof Flow f ? f.fields() : null;
    if (fields != null) {
      if (fields.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      String sep = "";
      for (Map.Entry<String, Object> e : fields.entrySet()) {
        out.append(sep).append(" ".repeat(indent + 2)).append('"').append(e.getKey());
        out.append("\": ");
        writeJson(out, e.getValue(), indent + 2);
        sep = ",\n";
      }
      out.append('\n').append(" ".repeat(indent)).append('}');
    } else if (v instanceof Collection<?> list) {
      out.append('[');
      String sep = "";
      for (Object o : list) {
        out.append(sep);
        writeJson(out, o, indent);
        sep = ", ";
      }
      out.append(']');
    } else if (v instanceof Raw r) {
      out.append(r.text());
    } else {
      // Names, enum words and durations: letters, digits, underscores, dots only.
      out.append('"').append((String) v).append('"');
    }
  }
}
