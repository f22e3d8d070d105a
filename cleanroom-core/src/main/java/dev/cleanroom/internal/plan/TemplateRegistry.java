package dev.cleanroom.internal.plan;

import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Param;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.TemplateCall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The registered query templates with their approvals, and the binding of parameter values. Each
 * template's state is one immutable entry, replaced atomically, so a run sees its template and the
 * approvals of exactly that content.
 */
public final class TemplateRegistry {
  /** A registered template, its content hash and the owners who approved that content. */
  public record Entry(QueryTemplate template, String hash, Set<String> approvedBy) {}

  /** A template bound to parameter values: the query to run and the entry it came from. */
  public record Bound(QuerySpec spec, Entry entry) {}

  private final ConcurrentMap<String, Entry> templates = new ConcurrentHashMap<>();

  /**
   * Registers {@code template}, or replaces the entry of its id by the same author (dropping the
   * approvals if the content changed).
   *
   * @return whether anything changed: false when identical content was registered again
   */
  public boolean register(QueryTemplate template) {
    Objects.requireNonNull(template, "template");
    String hash = template.contentHash();
    Entry before = templates.get(template.id());
    Entry after =
        templates.compute(
            template.id(),
            (id, old) -> {
              if (old == null) {
                return new Entry(template, hash, Set.of());
              }
              if (!old.template().author().equals(template.author())) {
                throw new IllegalArgumentException(
                    "template [" + id + "] is registered by another party");
              }
              return old.hash().equals(hash) ? old : new Entry(template, hash, Set.of());
            });
    return before != after;
  }

  public void approve(String owner, String templateId, String contentHash) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(templateId, "templateId");
    Objects.requireNonNull(contentHash, "contentHash");
    Entry found =
        templates.computeIfPresent(
            templateId,
            (id, old) -> {
              if (!old.hash().equals(contentHash)) {
                throw new IllegalStateException(
                    "template ["
                        + id
                        + "] has other content than the one approved (content hash differs);"
                        + " review the registered template and approve its current hash");
              }
              if (!owners(old.template()).contains(owner)) {
                throw new IllegalArgumentException(
                    "party "
                        + owner
                        + " owns no dataset that template ["
                        + id
                        + "] touches; owners are: "
                        + owners(old.template()));
              }
              Set<String> approved = new HashSet<>(old.approvedBy());
              approved.add(owner);
              return new Entry(old.template(), old.hash(), Set.copyOf(approved));
            });
    if (found == null) {
      throw new IllegalArgumentException("no template [" + templateId + "] is registered");
    }
  }

  public Optional<QueryTemplate> template(String templateId) {
    Objects.requireNonNull(templateId, "templateId");
    return Optional.ofNullable(templates.get(templateId)).map(Entry::template);
  }

  /** The owners of the datasets a template names (the part of each qualified name before '.'). */
  private static Set<String> owners(QueryTemplate template) {
    Set<String> out = new TreeSet<>();
    for (String d : template.query().datasets()) {
      int dot = d.indexOf('.');
      out.add(dot < 0 ? d : d.substring(0, dot));
    }
    return out;
  }

  /**
   * Binds {@code call}'s values to its template's parameters.
   *
   * @throws InvalidQueryException if the template is unknown or a value is missing, undeclared, of
   *     the wrong type or out of bounds; the message names the parameter, never the value
   */
  public Bound bind(TemplateCall call) {
    Entry entry = templates.get(call.templateId());
    if (entry == null) {
      throw new InvalidQueryException("no template [" + call.templateId() + "] is registered");
    }
    QueryTemplate t = entry.template();
    Set<String> declared = new TreeSet<>();
    for (Param p : t.params()) {
      declared.add(p.name());
    }
    for (String name : new TreeSet<>(call.values().keySet())) {
      if (!declared.contains(name)) {
        throw new InvalidQueryException(
            "template ["
                + t.id()
                + "] has no parameter ["
                + name
                + "]; its parameters are: "
                + declared);
      }
    }
    for (Param p : t.params()) {
      Object v = call.values().get(p.name());
      if (v == null) {
        throw new InvalidQueryException(
            "parameter [" + p.name() + "] of template [" + t.id() + "] needs a value");
      }
      checkValue(t.id(), p, v);
    }
    List<Condition> where = new ArrayList<>();
    for (Condition c : t.query().where()) {
      where.add(substitute(c, call.values()));
    }
    QuerySpec q = t.query();
    return new Bound(
        new QuerySpec(
            call.analyst(),
            q.datasets(),
            where,
            q.groupBy(),
            q.aggregates(),
            q.privacy(),
            q.options()),
        entry);
  }

  private static void checkValue(String templateId, Param p, Object v) {
    String what = "parameter [" + p.name() + "] of template [" + templateId + "]";
    if (p instanceof Param.LongParam l) {
      if (!(v instanceof Long value)) {
        throw new InvalidQueryException(what + " takes a whole number; provided type: text");
      }
      if (value < l.min() || value > l.max()) {
        throw new InvalidQueryException(what + " must be in [" + l.min() + ", " + l.max() + "]");
      }
    } else {
      Param.TextParam text = (Param.TextParam) p;
      if (!(v instanceof String value)) {
        throw new InvalidQueryException(what + " takes text; provided type: whole number");
      }
      if (!text.allowed().contains(value)) {
        throw new InvalidQueryException(
            what + " must be one of its " + text.allowed().size() + " allowed values");
      }
    }
  }

  private static Condition substitute(Condition c, Map<String, Object> values) {
    if (c instanceof Condition.Comparison cmp) {
      return new Condition.Comparison(cmp.column(), cmp.op(), bindValue(cmp.value(), values));
    }
    if (c instanceof Condition.In in) {
      return new Condition.In(
          in.column(), in.values().stream().map(v -> bindValue(v, values)).toList());
    }
    if (c instanceof Condition.And and) {
      return new Condition.And(and.operands().stream().map(o -> substitute(o, values)).toList());
    }
    if (c instanceof Condition.Or or) {
      return new Condition.Or(or.operands().stream().map(o -> substitute(o, values)).toList());
    }
    return new Condition.Not(substitute(((Condition.Not) c).operand(), values));
  }

  private static Object bindValue(Object v, Map<String, Object> values) {
    return v instanceof Placeholder p ? values.get(p.name()) : v;
  }
}
