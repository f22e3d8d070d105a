package dev.cleanroom.internal.plan;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Derived;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QueryOptions;
import dev.cleanroom.query.QuerySpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.codec.digest.HmacAlgorithms;
import org.apache.commons.codec.digest.HmacUtils;

/**
 * Keyed fingerprints of queries: HMAC-SHA256, under a key derived from the room's key, of a
 * canonical text of the query including its literals. Identical queries get identical fingerprints
 * within a room; without the key, a fingerprint reveals nothing of the literals.
 */
public final class Fingerprints {
  private final byte[] key;

  public Fingerprints(SecretKey roomKey) {
    this.key =
        new HmacUtils(HmacAlgorithms.HMAC_SHA_256, roomKey.bytes())
            .hmac("cleanroom query fingerprint v1".getBytes(StandardCharsets.UTF_8));
  }

  public String of(QuerySpec spec) {
    return hash(canonical(spec));
  }

  /**
   * The secret salt of the keyed choice of each person's groups for {@code spec}: 32 bytes of
   * HMAC-SHA256 under the fingerprint key of the query's canonical text, so that the same question
   * chooses the same groups (and gets the same answer on unchanged data) and a re-run never trips
   * the difference checks against its own earlier release.
   */
  public byte[] rankSalt(QuerySpec spec) {
    return new HmacUtils(HmacAlgorithms.HMAC_SHA_256, key)
        .hmac("contribution bounding|" + canonical(spec));
  }

  /**
   * The fingerprint of a cohort activation: its row stage (as the one-row query {@code rows}) and
   * its receiver, never equal to a query's.
   */
  public String ofCohort(QuerySpec rows, String receiver) {
    return hash("cohort;" + canonical(rows) + ";receiver=" + quote(receiver));
  }

  private String hash(String canonical) {
    String hex = new HmacUtils(HmacAlgorithms.HMAC_SHA_256, key).hmacHex(canonical);
    return hex.substring(0, 32);
  }

  static String canonical(QuerySpec spec) {
    StringBuilder sb = new StringBuilder();
    sb.append("analyst=").append(quote(spec.analyst()));
    sb.append(";datasets=");
    spec.datasets().forEach(d -> sb.append(quote(d)).append(','));
    sb.append(";where=");
    spec.where().forEach(c -> canonical(c, sb.append('(')).append(')'));
    sb.append(";groupBy=");
    spec.groupBy().forEach(g -> sb.append(quote(g)).append(','));
    sb.append(";select=");
    for (Aggregate a : spec.aggregates()) {
      sb.append(a.function())
          .append('(')
          .append(quote(a.column()))
          .append(a.function() == AggregateFunction.QUANTILE ? "," + a.fraction() : "")
          .append(")as")
          .append(quote(a.alias()))
          .append(',');
    }
    sb.append(";privacy=");
    if (spec.privacy() instanceof Privacy.Differential dp) {
      sb.append(dp.budget().getClass().getSimpleName())
          .append(":eps=")
          .append(quote(dp.budget().epsilon().toPlainString()))
          .append(",delta=")
          .append(quote(dp.budget().delta().toPlainString()))
          .append(",noise=")
          .append(dp.noise())
          .append(",groups=");
      if (dp.publicGroups().isPresent()) {
        sb.append("public[");
        for (List<Object> key : dp.publicGroups().get()) {
          sb.append('(');
          key.forEach(v -> sb.append(literal(v)).append(','));
          sb.append(')');
        }
        sb.append(']');
      } else {
        sb.append("private");
      }
    } else {
      sb.append("threshold");
    }
    if (!spec.options().equals(QueryOptions.NONE)) {
      // Options change what is released, so they are part of the query; a query without them
      // keeps the fingerprint it always had.
      QueryOptions o = spec.options();
      sb.append(";derived=");
      for (Derived d : o.derived()) {
        if (d instanceof Derived.Ratio r) {
          sb.append("ratio(")
              .append(quote(r.alias()))
              .append(',')
              .append(quote(r.numerator()))
              .append(',')
              .append(quote(r.denominator()));
        } else if (d instanceof Derived.Lift l) {
          sb.append("lift(")
              .append(quote(l.alias()))
              .append(',')
              .append(quote(l.ratio()))
              .append(',')
              .append(quote(l.dimension()))
              .append(',')
              .append(literal(l.group()))
              .append(',')
              .append(literal(l.baseline()));
        }
        sb.append("),");
      }
      sb.append(";bounds=");
      o.bounds()
          .forEach(
              (m, b) ->
                  sb.append(quote(m))
                      .append('[')
                      .append(Double.toString(b.lower()))
                      .append(',')
                      .append(Double.toString(b.upper()))
                      .append("],"));
      sb.append(";consistent=").append(o.consistent());
    }
    return sb.toString();
  }

  private static StringBuilder canonical(Condition c, StringBuilder sb) {
    if (c instanceof Condition.Comparison cmp) {
      return sb.append(quote(cmp.column())).append(cmp.op()).append(literal(cmp.value()));
    }
    if (c instanceof Condition.In in) {
      sb.append(quote(in.column())).append("IN[");
      in.values().forEach(v -> sb.append(literal(v)).append(','));
      return sb.append(']');
    }
    if (c instanceof Condition.And and) {
      sb.append("AND[");
      and.operands().forEach(o -> canonical(o, sb).append(','));
      return sb.append(']');
    }
    if (c instanceof Condition.Or or) {
      sb.append("OR[");
      or.operands().forEach(o -> canonical(o, sb).append(','));
      return sb.append(']');
    }
    return canonical(((Condition.Not) c).operand(), sb.append("NOT[")).append(']');
  }

  private static String literal(Object v) {
    if (v instanceof String s) {
      return "S" + quote(s);
    }
    if (v instanceof Placeholder p) {
      return "P" + quote(p.name());
    }
    if (v instanceof java.time.LocalDate d) {
      return "T" + d.toEpochDay();
    }
    if (v instanceof java.time.Instant t) {
      return "I" + t.getEpochSecond() + "." + t.getNano();
    }
    if (v instanceof Boolean b) {
      return "B" + b;
    }
    if (v instanceof ColumnOffset o) {
      return "C" + quote(o.column()) + o.offset().getSeconds() + "." + o.offset().getNano();
    }
    return (v instanceof Long ? "L" : "D") + v;
  }

  private static String quote(String s) {
    return s.length() + ":" + s;
  }
}
