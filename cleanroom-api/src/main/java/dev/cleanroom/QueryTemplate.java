package dev.cleanroom;

import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Derived;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QueryOptions;
import dev.cleanroom.query.QuerySpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parameterized query that a party registers with {@link CleanRoom#registerTemplate} and every
 * owner of a dataset it touches approves with {@link CleanRoom#approveTemplate}; analysts then run
 * it with parameter values only. The query is built with the fluent builder by its author; its
 * conditions may compare columns with {@link dev.cleanroom.query.Dsl#param(String) parameters},
 * each declared here with its type and bounds. Its privacy settings (threshold or budget) are part
 * of the template.
 *
 * <pre>{@code
 * QueryTemplate t = QueryTemplate.of("reach_by_country",
 *     room.as("advertiser").from("publisher.impressions")
 *         .where(col("campaign").eq(param("campaign")))
 *         .groupBy("country").select(countDistinctUsers()).spec(),
 *     Param.longParam("campaign", 0, 99));
 * }</pre>
 *
 * @param id the template's identifier
 * @param query the query; its analyst is the template's author
 * @param params the declared parameters, each used by at least one condition
 */
public record QueryTemplate(String id, QuerySpec query, List<Param> params) {
  /**
   * @param id the template's identifier, a valid name
   * @param query the query; its analyst is the template's author
   * @param params the declared parameters, each used by at least one condition; copied
   * @throws NullPointerException if an argument or parameter is null
   * @throws IllegalArgumentException if the id is not a valid name, two parameters share a name, a
   *     condition uses an undeclared parameter, or a declared parameter is unused
   */
  public QueryTemplate {
    Names.check("template id", id);
    Objects.requireNonNull(query, "query");
    params = List.copyOf(params);
    Set<String> declared = new LinkedHashSet<>();
    for (Param p : params) {
      if (!declared.add(p.name())) {
        throw new IllegalArgumentException(
            "template [" + id + "] declares parameter [" + p.name() + "] twice");
      }
    }
    Set<String> used = new TreeSet<>();
    for (Condition c : query.where()) {
      used.addAll(c.placeholders());
    }
    for (String name : used) {
      if (!declared.contains(name)) {
        throw new IllegalArgumentException(
            "template [" + id + "] uses parameter [" + name + "] but does not declare it");
      }
    }
    for (String name : declared) {
      if (!used.contains(name)) {
        throw new IllegalArgumentException(
            "template [" + id + "] declares parameter [" + name + "] but no condition uses it");
      }
    }
  }

  /**
   * A template.
   *
   * @param id the template's identifier
   * @param query the query, usually from {@link dev.cleanroom.query.FinalStage#spec()}
   * @param params the declared parameters
   * @return the template
   * @throws IllegalArgumentException as the canonical constructor
   */
  public static QueryTemplate of(String id, QuerySpec query, Param... params) {
    return new QueryTemplate(id, query, List.of(params));
  }

  /**
   * The party that wrote the template: the analyst of its query.
   *
   * @return the author's party name, {@code query().analyst()}
   */
  public String author() {
    return query.analyst();
  }

  /**
   * The SHA-256, in lower-case hex, of a canonical encoding of the whole template: id, author,
   * datasets, conditions with their literals and parameters, grouping, aggregates, privacy
   * settings, parameter declarations and the query's options (derived columns, narrowed bounds,
   * consistent values). Any change to the template changes the hash; approvals are pinned to it. A
   * template whose query has no options ({@link QueryOptions#NONE}) has the hash it had before
   * options existed.
   *
   * @return 64 hex digits
   */
  public String contentHash() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      Encoder e = new Encoder(out);
      e.text("cleanroom query template v1");
      e.text(id);
      e.text(query.analyst());
      e.texts(query.datasets());
      out.writeInt(query.where().size());
      for (Condition c : query.where()) {
        e.condition(c);
      }
      e.texts(query.groupBy());
      out.writeInt(query.aggregates().size());
      for (Aggregate a : query.aggregates()) {
        e.text(a.function().name());
        e.text(a.column());
        e.text(a.alias());
        if (a.function() == AggregateFunction.QUANTILE) {
          e.text(Double.toString(a.fraction()));
        }
      }
      e.privacy(query.privacy());
      List<Param> sorted = new ArrayList<>(params);
      sorted.sort(Comparator.comparing(Param::name));
      out.writeInt(sorted.size());
      for (Param p : sorted) {
        e.param(p);
      }
      if (!query.options().equals(QueryOptions.NONE)) {
        // Options change what is released: with other options it is another template.
        e.options(query.options());
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException ex) {
      throw new CleanRoomInternalError("SHA-256 is not available");
    }
  }

  /** Writes the parts of a template as tagged, length-prefixed binary values. */
  private static final class Encoder {
    private final DataOutputStream out;

    Encoder(DataOutputStream out) {
      this.out = out;
    }

    void text(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(b.length);
      out.write(b);
    }

    void texts(List<String> list) throws IOException {
      out.writeInt(list.size());
      for (String s : list) {
        text(s);
      }
    }

    void value(Object v) throws IOException {
      if (v instanceof String s) {
        out.writeByte('S');
        text(s);
      } else if (v instanceof Long l) {
        out.writeByte('L');
        out.writeLong(l);
      } else if (v instanceof Double d) {
        out.writeByte('D');
        out.writeLong(Double.doubleToLongBits(d));
      } else if (v instanceof java.time.LocalDate d) {
        out.writeByte('E');
        out.writeLong(d.toEpochDay());
      } else if (v instanceof java.time.Instant t) {
        out.writeByte('U');
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
      } else if (v instanceof Boolean b) {
        out.writeByte('B');
        out.writeBoolean(b);
      } else if (v instanceof ColumnOffset o) {
        out.writeByte('K');
        text(o.column());
        out.writeLong(o.offset().getSeconds());
        out.writeInt(o.offset().getNano());
      } else {
        out.writeByte('P');
        text(((Placeholder) v).name());
      }
    }

    void values(List<Object> list) throws IOException {
      out.writeInt(list.size());
      for (Object v : list) {
        value(v);
      }
    }

    void condition(Condition c) throws IOException {
      if (c instanceof Condition.Comparison cmp) {
        out.writeByte('C');
        text(cmp.column());
        text(cmp.op().name());
        value(cmp.value());
      } else if (c instanceof Condition.In in) {
        out.writeByte('I');
        text(in.column());
        values(in.values());
      } else if (c instanceof Condition.And and) {
        out.writeByte('A');
        operands(and.operands());
      } else if (c instanceof Condition.Or or) {
        out.writeByte('O');
        operands(or.operands());
      } else {
        out.writeByte('N');
        condition(((Condition.Not) c).operand());
      }
    }

    private void operands(List<Condition> operands) throws IOException {
      out.writeInt(operands.size());
      for (Condition o : operands) {
        condition(o);
      }
    }

    void privacy(Privacy privacy) throws IOException {
      if (!(privacy instanceof Privacy.Differential dp)) {
        out.writeByte('T');
        return;
      }
      out.writeByte('D');
      text(dp.budget().getClass().getSimpleName());
      text(dp.budget().epsilon().stripTrailingZeros().toPlainString());
      text(dp.budget().delta().stripTrailingZeros().toPlainString());
      text(dp.noise().name());
      if (dp.publicGroups().isEmpty()) {
        out.writeByte('-');
        return;
      }
      out.writeByte('+');
      out.writeInt(dp.publicGroups().get().size());
      for (List<Object> key : dp.publicGroups().get()) {
        values(key);
      }
    }

    void options(QueryOptions o) throws IOException {
      text("options");
      out.writeInt(o.derived().size());
      for (Derived d : o.derived()) {
        if (d instanceof Derived.Ratio r) {
          out.writeByte('R');
          text(r.alias());
          text(r.numerator());
          text(r.denominator());
        } else {
          Derived.Lift l = (Derived.Lift) d;
          out.writeByte('F');
          text(l.alias());
          text(l.ratio());
          text(l.dimension());
          value(l.group());
          value(l.baseline());
        }
      }
      out.writeInt(o.bounds().size());
      for (java.util.Map.Entry<String, Bounds> b : o.bounds().entrySet()) {
        text(b.getKey());
        out.writeLong(Double.doubleToLongBits(b.getValue().lower()));
        out.writeLong(Double.doubleToLongBits(b.getValue().upper()));
      }
      out.writeBoolean(o.consistent());
    }

    void param(Param p) throws IOException {
      if (p instanceof Param.LongParam l) {
        out.writeByte('L');
        text(l.name());
        out.writeLong(l.min());
        out.writeLong(l.max());
      } else {
        Param.TextParam t = (Param.TextParam) p;
        out.writeByte('T');
        text(t.name());
        texts(List.copyOf(t.allowed()));
      }
    }
  }
}
