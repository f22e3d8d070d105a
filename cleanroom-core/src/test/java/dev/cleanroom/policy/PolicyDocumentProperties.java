package dev.cleanroom.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.source.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Present;
import org.snakeyaml.engine.v2.api.lowlevel.Serialize;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Policy documents round-trip exactly, hash by meaning, and fail only with {@link
 * PolicyDocumentException} whose message never repeats a value.
 */
class PolicyDocumentProperties {
  private static final List<String> PARTIES =
      List.of("advertiser", "publisher", "agency", "_x9", "null", "true", "False", "Brand_2");

  /** A random dataset (with undeclared extra columns) and every kind of policy rule. */
  static Dataset randomDataset(Random r) {
    List<Column> schema = new ArrayList<>();
    Dataset.Builder b = Dataset.builder(pick(r, PARTIES), "ds_" + r.nextInt(1000));
    boolean longId = r.nextInt(4) == 0;
    schema.add(longId ? Column.int64("uid") : Column.string("uid"));
    UserIdFormat format = longId ? UserIdFormat.RAW : pick(r, List.of(UserIdFormat.values()));
    b.userId("uid", format);
    List<String> dims = new ArrayList<>();
    for (int i = 0, n = r.nextInt(4); i < n; i++) {
      String c = "dim" + i;
      schema.add(new Column(c, pick(r, List.of(ColumnType.values()))));
      b.dimension(c);
      dims.add(c);
    }
    List<String> metrics = new ArrayList<>();
    for (int i = 0, n = r.nextInt(4); i < n; i++) {
      String c = "m" + i;
      schema.add(r.nextBoolean() ? Column.int64(c) : Column.float64(c));
      double[] lu = bounds(r);
      b.metric(c, lu[0], lu[1]);
      metrics.add(c);
    }
    for (int i = 0, n = r.nextInt(3); i < n; i++) {
      schema.add(Column.string("blocked" + i));
      b.blocked("blocked" + i);
    }
    for (int i = 0, n = r.nextInt(3); i < n; i++) {
      schema.add(Column.float64("extra" + i));
    }
    Collections.shuffle(schema, r);
    b.source(InMemorySource.builder("src", new Schema(schema)).build());
    b.policy(randomPolicy(r, dims, metrics));
    return b.build();
  }

  static Policy randomPolicy(Random r, List<String> dims, List<String> metrics) {
    Policy.Builder p = Policy.builder();
    p.allowAnalysts(subset(r, PARTIES, 1).toArray(new String[0]));
    p.minDistinctUsers(2 + r.nextInt(Policy.MAX_K - 1));
    if (r.nextBoolean()) {
      p.allowReceivers(subset(r, PARTIES, 1).toArray(new String[0]));
    }
    if (r.nextBoolean()) {
      p.allowCohortRelease(subset(r, PARTIES, 1).toArray(new String[0]));
    }
    if (r.nextBoolean()) {
      p.minCohortSize(r.nextBoolean() ? 2 + r.nextInt(1000) : Integer.MAX_VALUE - r.nextInt(3));
    }
    if (r.nextBoolean()) {
      p.allowJoinOn("uid");
    }
    if (!dims.isEmpty() && r.nextBoolean()) {
      p.allowDimensions(subset(r, dims, 1).toArray(new String[0]));
    }
    for (String m : metrics) {
      if (r.nextBoolean()) {
        List<AggregateFunction> fns =
            subset(r, List.of(AggregateFunction.SUM, AggregateFunction.AVG), 1);
        p.allowAggregates(m, fns.toArray(new AggregateFunction[0]));
      }
      if (r.nextBoolean()) {
        double[] lu = bounds(r);
        p.clampPerGroup(m, lu[0], lu[1]);
      }
    }
    if (r.nextBoolean()) {
      p.maxGroupsPerUser(1 + r.nextInt(Policy.MAX_CONTRIBUTION_BOUND));
    }
    if (r.nextBoolean()) {
      p.maxContributionsPerGroup(1 + r.nextInt(Policy.MAX_CONTRIBUTION_BOUND));
    }
    if (r.nextBoolean()) {
      double eps = positive(r);
      PrivacyBudget total =
          r.nextBoolean()
              ? PrivacyBudget.epsilon(eps)
              : PrivacyBudget.epsilonDelta(eps, r.nextBoolean() ? 0 : r.nextDouble() * 1e-3);
      double cap =
          r.nextBoolean() ? eps : Math.max(PrivacyBudget.MIN_PARAMETER, eps * r.nextDouble());
      p.differentialPrivacy(total, cap);
      if (r.nextBoolean()) {
        p.budgetPeriod(pick(r, List.of(BudgetPeriod.values())));
      }
    }
    if (r.nextBoolean()) {
      p.maxQueries(1 + r.nextInt(1_000_000_000), pick(r, List.of(BudgetPeriod.values())));
    }
    if (r.nextBoolean()) {
      p.requireApprovedTemplates();
    }
    switch (r.nextInt(3)) {
      case 0 -> p.withoutDifferenceChecks();
      case 1 ->
          p.differenceCheckRetention(
              Duration.ofSeconds(
                  1 + r.nextInt(10_000_000), r.nextBoolean() ? 0 : r.nextInt(1_000_000_000)));
      default -> {}
    }
    return p.build();
  }

  private static double positive(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> 1 + r.nextInt(20);
      case 1 -> Math.max(PrivacyBudget.MIN_PARAMETER, r.nextDouble());
      case 2 -> Math.scalb(1 + r.nextDouble(), -r.nextInt(50));
      default -> r.nextDouble() * 1e15 + 1e-3;
    };
  }

  private static double[] bounds(Random r) {
    double a = anyFinite(r);
    double b = anyFinite(r);
    return a <= b ? new double[] {a, b} : new double[] {b, a};
  }

  private static double anyFinite(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> r.nextInt(2001) - 1000;
      case 1 -> (r.nextDouble() - 0.5) * 1e6;
      case 2 -> r.nextBoolean() ? 0.0 : -0.0;
      case 3 -> Math.scalb(r.nextDouble() - 0.5, r.nextInt(2000) - 1000);
      case 4 -> {
        double d = Double.longBitsToDouble(r.nextLong());
        yield Double.isFinite(d) ? d : 1.5;
      }
      default -> r.nextDouble();
    };
  }

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  private static <T> List<T> subset(Random r, List<T> from, int min) {
    List<T> copy = new ArrayList<>(from);
    Collections.shuffle(copy, r);
    return copy.subList(0, min + r.nextInt(copy.size() - min + 1));
  }

  private static void assertSame(Dataset ds, PolicyDocument back) {
    assertEquals(ds.policy(), back.policy());
    assertEquals(ds.policy().hashCode(), back.policy().hashCode());
    assertEquals(ds.roles(), back.roles());
    assertEquals(ds.userIdFormat(), back.userIdFormat());
    for (String m : back.metricBounds().keySet()) {
      assertEquals(ds.metricBounds(m).orElseThrow(), back.metricBounds().get(m));
    }
    Dataset rebuilt = back.dataset(ds.source());
    assertEquals(ds.policy(), rebuilt.policy());
    assertEquals(ds.roles(), rebuilt.roles());
    assertEquals(PolicyDocument.of(ds), PolicyDocument.of(rebuilt));
  }

  @Property(tries = 300)
  void builder_toYaml_parse_givesAnEqualPolicy_andHash(@ForAll Random random) {
    Dataset ds = randomDataset(random);
    PolicyDocument doc = PolicyDocument.of(ds);
    PolicyDocument back = PolicyDocument.parse(doc.toYaml());
    assertEquals(doc, back);
    assertEquals(doc.hash(), back.hash());
    assertEquals(doc.toYaml(), back.toYaml());
    assertSame(ds, back);
  }

  @Property(tries = 200)
  void builder_toJson_parse_givesAnEqualPolicy_andHash(@ForAll Random random) {
    Dataset ds = randomDataset(random);
    PolicyDocument doc = PolicyDocument.of(ds);
    PolicyDocument back = PolicyDocument.parse(doc.toJson());
    assertEquals(doc.hash(), back.hash());
    assertEquals(doc.toJson(), back.toJson());
    assertSame(ds, back);
  }

  /** The same tree with its keys shuffled and written in another YAML layout. */
  private static String rewritten(String yaml, Random r) {
    Node root = new Compose(LoadSettings.builder().build()).composeString(yaml).orElseThrow();
    shuffle(root, r);
    DumpSettings settings =
        DumpSettings.builder()
            .setDefaultFlowStyle(pick(r, List.of(FlowStyle.values())))
            .setIndent(2 + r.nextInt(5))
            .setWidth(20 + r.nextInt(100))
            .setExplicitStart(r.nextBoolean())
            .build();
    return new Present(settings)
        .emitToString(new Serialize(settings).serializeOne(root).iterator());
  }

  private static void shuffle(Node node, Random r) {
    if (node instanceof MappingNode m) {
      List<NodeTuple> tuples = new ArrayList<>(m.getValue());
      Collections.shuffle(tuples, r);
      m.setValue(tuples);
      m.setFlowStyle(pick(r, List.of(FlowStyle.values())));
      tuples.forEach(t -> shuffle(t.getValueNode(), r));
    } else if (node instanceof SequenceNode s) {
      Collections.shuffle(s.getValue(), r);
      s.setFlowStyle(pick(r, List.of(FlowStyle.values())));
      s.getValue().forEach(n -> shuffle(n, r));
    }
  }

  @Property(tries = 200)
  void hash_doesNotDependOnKeyOrderListOrderOrLayout(@ForAll Random random) {
    PolicyDocument doc = PolicyDocument.of(randomDataset(random));
    String other = rewritten(doc.toYaml(), random);
    PolicyDocument back = PolicyDocument.parse(other);
    assertEquals(doc.hash(), back.hash(), other);
    assertEquals(doc, back);
  }

  // ---- fuzzing: a document or a PolicyDocumentException, nothing else ----------------------

  @Property(tries = 500)
  void anyText_givesADocumentOrAPolicyDocumentException(@ForAll String text) {
    try {
      PolicyDocument.parse(text);
    } catch (PolicyDocumentException e) {
      assertTrue(e.line() >= 1 && e.column() >= 1, e.getMessage());
    }
  }

  private static final String EDITS = "{}[]:,-#&*!|>'\"%@` \n\t?.0123456789aZ_ex\u00e9\u2028\u0000";

  @Property(tries = 500)
  void mutatedDocuments_giveADocumentOrAPolicyDocumentException(
      @ForAll Random random, @ForAll @IntRange(min = 1, max = 6) int edits) {
    PolicyDocument doc = PolicyDocument.of(randomDataset(random));
    StringBuilder text = new StringBuilder(random.nextBoolean() ? doc.toYaml() : doc.toJson());
    for (int i = 0; i < edits && text.length() > 0; i++) {
      int at = random.nextInt(text.length());
      char c = EDITS.charAt(random.nextInt(EDITS.length()));
      switch (random.nextInt(3)) {
        case 0 -> text.insert(at, c);
        case 1 -> text.deleteCharAt(at);
        default -> text.setCharAt(at, c);
      }
    }
    try {
      PolicyDocument.parse(text.toString());
    } catch (PolicyDocumentException e) {
      assertTrue(e.line() >= 1 && e.column() >= 1, e.getMessage());
    }
  }

  /**
   * One value of a JSON document replaced by a text holding a marker: the error, if any, never
   * repeats it.
   */
  @Property(tries = 1000)
  void replacedValues_neverAppearInTheError(
      @ForAll Random random, @ForAll @StringLength(min = 1, max = 40) String noise) {
    String json = PolicyDocument.of(randomDataset(random)).toJson();
    List<int[]> values = valueTokens(json);
    int[] v = values.get(random.nextInt(values.size()));
    String secret = "Qz7" + noise.replaceAll("[\\p{Cntrl}\\p{Cs}\"\\\\]", "k");
    String replacement =
        switch (random.nextInt(3)) {
          case 0 -> "\"" + secret + "\"";
          case 1 -> "[\"" + secret + "\"]";
          default -> "{\"" + "x" + "\": \"" + secret + "\"}";
        };
    String mutated = json.substring(0, v[0]) + replacement + json.substring(v[1]);
    try {
      PolicyDocument.parse(mutated);
    } catch (PolicyDocumentException e) {
      assertFalse(e.getMessage().contains(secret), e.getMessage());
      assertFalse(e.getMessage().contains("Qz7"), e.getMessage());
    }
  }

  /** The [start, end) of every JSON value that is a string, number or literal, not a key. */
  private static List<int[]> valueTokens(String json) {
    List<int[]> out = new ArrayList<>();
    int i = 0;
    while (i < json.length()) {
      char c = json.charAt(i);
      int start = i;
      if (c == '"') {
        i = json.indexOf('"', i + 1) + 1;
        int j = i;
        while (j < json.length() && json.charAt(j) == ' ') {
          j++;
        }
        if (j >= json.length() || json.charAt(j) != ':') {
          out.add(new int[] {start, i});
        }
      } else if (Character.isLetterOrDigit(c) || c == '-') {
        while (i < json.length() && ",]}\n ".indexOf(json.charAt(i)) < 0) {
          i++;
        }
        out.add(new int[] {start, i});
      } else {
        i++;
      }
    }
    return out;
  }

  @Property(tries = 50)
  void valueTokens_findEveryLeaf(@ForAll Random random) {
    String json = PolicyDocument.of(randomDataset(random)).toJson();
    Set<String> kinds = new TreeSet<>();
    for (int[] v : valueTokens(json)) {
      kinds.add(json.charAt(v[0]) == '"' ? "string" : "number");
    }
    assertEquals(Set.of("number", "string"), kinds);
  }
}
