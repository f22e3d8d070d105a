package dev.cleanroom.policy;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnRole;
import dev.cleanroom.Dataset;
import dev.cleanroom.DifferentialPrivacyRule;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.policy.AwsJson.Obj;
import dev.cleanroom.policy.AwsJson.Str;
import dev.cleanroom.policy.AwsMappingReport.Entry;
import dev.cleanroom.policy.AwsMappingReport.Outcome;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Imports the analysis rules that data owners keep for AWS Clean Rooms into our {@link Policy}, and
 * exports our policies into AWS's shape where it can say them. Each direction returns a {@link
 * AwsMappingReport} with one entry per field: {@code MAPPED}, {@code TIGHTENED} or {@code
 * NOT_REPRESENTABLE}, with a reason.
 *
 * <p>The import reads a configured table's analysis rule as AWS documents it: the {@code
 * analysisRulePolicy} object {@code {"v1": {"aggregation" | "list" | "custom": {...}}}}, the whole
 * body of a CreateConfiguredTableAnalysisRule request, or the bare rule object. For a custom rule
 * with differential privacy it also reads the collaboration's privacy budget template (the body of
 * a CreatePrivacyBudgetTemplate request, or just {@code {"epsilon": 3, "usersNoisePerQuery": 10,
 * "autoRefresh": "CALENDAR_MONTH"}}).
 *
 * <p><b>An import never produces a policy looser than the AWS rule.</b> Where our policy says the
 * same, the field is {@code MAPPED}; where ours is stricter (each person's totals are clamped, only
 * the user id joins, no scalar functions, rows are released only as groups of at least k people),
 * it is {@code TIGHTENED}; where ours cannot say a restriction of the rule (a required join with
 * the query runner's table, a minimum of distinct values of another column, a rule that forbids
 * counting people, analysis templates named by ARN), it is {@code NOT_REPRESENTABLE} and the import
 * makes up for it with {@link Policy.Builder#requireApprovedTemplates()}: ad-hoc queries are
 * refused and only templates the owner approves run. A rule whose results may only go to further
 * analyses ({@code additionalAnalyses: REQUIRED}) cannot be carried over and is refused. AWS's
 * privacy budget is shared by all tables of a collaboration, ours is per dataset: the report says
 * so.
 *
 * <p>Errors are {@link AwsRuleException}s naming the field path, line and column; unknown fields,
 * duplicate fields, wrong types, values out of AWS's documented ranges and columns not in the
 * schema are errors. No message repeats a value of the document.
 *
 * <pre>{@code
 * AwsImport imported = AwsAnalysisRules.importRule(ruleJson,
 *     AwsImportOptions.builder().schema(schema).userIdColumn("hashed_email")
 *         .analysts("advertiser").build());
 * System.out.print(imported.report().render());
 * Dataset dataset = imported.datasetBuilder("publisher", "impressions")
 *     .source(source).metric("spend", 0, 100).build();
 * }</pre>
 */
public final class AwsAnalysisRules {
  private static final String AGGREGATION = "aggregation";
  private static final String LIST = "list";
  private static final String CUSTOM = "custom";
  private static final String TEMPLATES = "; made up for by approved templates only";
  private static final Pattern TEMPLATE_ARN =
      Pattern.compile(
          "arn:aws:cleanrooms:[\\w]{2}-[\\w]{4,9}-[\\d]:[\\d]{12}:membership/[\\d\\w-]+"
              + "/analysistemplate/[\\d\\w-]+");
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

  /** AWS's smallest privacy budget ε. */
  static final int AWS_MIN_EPSILON = 1;

  /** AWS's largest privacy budget ε. */
  static final int AWS_MAX_EPSILON = 20;

  /** AWS's smallest noise per query, in users whose contributions it obscures. */
  static final int AWS_MIN_USERS_NOISE = 10;

  /** AWS's largest noise per query, in users whose contributions it obscures. */
  static final int AWS_MAX_USERS_NOISE = 100;

  private AwsAnalysisRules() {}

  /**
   * Imports an AWS Clean Rooms analysis rule.
   *
   * @param analysisRuleJson the rule: {@code analysisRulePolicy}, the
   *     CreateConfiguredTableAnalysisRule request body, or the bare rule object
   * @param options the schema, user id column and analysts
   * @return the policy, the roles the rule implies, and the report
   * @throws AwsRuleException if the document cannot be read or the rule cannot be carried over
   *     without loosening it
   */
  public static AwsImport importRule(String analysisRuleJson, AwsImportOptions options) {
    Objects.requireNonNull(analysisRuleJson, "analysisRuleJson");
    Objects.requireNonNull(options, "options");
    return new Importer(options).run(analysisRuleJson, Optional.empty());
  }

  /**
   * Imports an AWS Clean Rooms analysis rule with the collaboration's privacy budget template,
   * which gives the ε and noise of a custom rule with differential privacy.
   *
   * @param analysisRuleJson the rule
   * @param privacyBudgetTemplateJson the CreatePrivacyBudgetTemplate request body, or {@code
   *     {"epsilon": e, "usersNoisePerQuery": n, "autoRefresh": "CALENDAR_MONTH" | "NONE"}}
   * @param options the schema, user id column and analysts
   * @return the policy, the roles the rule implies, and the report
   * @throws AwsRuleException if a document cannot be read or the rule cannot be carried over
   *     without loosening it
   */
  public static AwsImport importRule(
      String analysisRuleJson, String privacyBudgetTemplateJson, AwsImportOptions options) {
    Objects.requireNonNull(analysisRuleJson, "analysisRuleJson");
    Objects.requireNonNull(privacyBudgetTemplateJson, "privacyBudgetTemplateJson");
    Objects.requireNonNull(options, "options");
    return new Importer(options).run(analysisRuleJson, Optional.of(privacyBudgetTemplateJson));
  }

  /**
   * Exports a dataset's policy as an AWS Clean Rooms analysis rule; columns of the schema that the
   * dataset does not declare are blocked.
   *
   * @param dataset the dataset
   * @param accountsByParty the 12-digit AWS account id of each analyst, for a custom rule's {@code
   *     allowedAnalysisProviders}; analysts without one are left out
   * @return the rule as JSON, the privacy budget template if differential privacy is required, and
   *     the report
   */
  public static AwsExport exportRule(Dataset dataset, Map<String, String> accountsByParty) {
    Objects.requireNonNull(dataset, "dataset");
    Map<String, ColumnRole> roles = new LinkedHashMap<>();
    for (Column c : dataset.schema().columns()) {
      roles.put(c.name(), dataset.role(c.name()));
    }
    return exportRule(dataset.policy(), dataset.userIdColumn(), roles, accountsByParty);
  }

  /**
   * Exports a policy as an AWS Clean Rooms analysis rule: an aggregation rule, or a custom rule
   * (with a privacy budget template) if the policy requires differential privacy or approved
   * templates. What AWS cannot say (clamp bounds, contribution limits, receivers, cohorts, query
   * limits, difference checks) is in the report as {@code NOT_REPRESENTABLE}: the AWS rule does not
   * enforce it.
   *
   * @param policy the policy
   * @param userIdColumn the dataset's user id column
   * @param roles the roles of the dataset's columns
   * @param accountsByParty the 12-digit AWS account id of each analyst, for a custom rule's {@code
   *     allowedAnalysisProviders}; analysts without one are left out
   * @return the rule as JSON, the privacy budget template if differential privacy is required, and
   *     the report
   * @throws IllegalArgumentException if an account id is not 12 digits
   */
  public static AwsExport exportRule(
      Policy policy,
      String userIdColumn,
      Map<String, ColumnRole> roles,
      Map<String, String> accountsByParty) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(userIdColumn, "userIdColumn");
    Objects.requireNonNull(roles, "roles");
    Objects.requireNonNull(accountsByParty, "accountsByParty");
    for (String account : accountsByParty.values()) {
      if (!ACCOUNT.matcher(account).matches()) {
        throw new IllegalArgumentException("an AWS account id must be 12 digits");
      }
    }
    return new Exporter(policy, userIdColumn, roles, accountsByParty).run();
  }

  /** The per-query ε cap for AWS's noise of {@code users} per query: just below 1/users. */
  static double epsilonPerQuery(int users) {
    return Math.nextDown(1.0 / users);
  }

  /**
   * The AWS noise in users for a per-query ε cap: 1/cap, rounded up unless it is a whole number.
   */
  static long usersNoise(BigDecimal cap) {
    BigDecimal inverse = BigDecimal.ONE.divide(cap, new MathContext(30, RoundingMode.HALF_EVEN));
    BigDecimal nearest = inverse.setScale(0, RoundingMode.HALF_EVEN);
    if (inverse.subtract(nearest).abs().compareTo(new BigDecimal("1e-9")) < 0) {
      return nearest.longValueExact();
    }
    return inverse.setScale(0, RoundingMode.CEILING).longValueExact();
  }

  // ---------------------------------------------------------------------------------------------
  // Import

  private static final class Importer {
    private final AwsImportOptions options;
    private final Schema schema;
    private final String uid;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, ColumnRole> roles = new LinkedHashMap<>();
    private final Set<String> dimensions = new LinkedHashSet<>();
    private final Map<String, Set<AggregateFunction>> metrics = new LinkedHashMap<>();
    private final Set<String> analysts;
    private final List<String> unrepresentable = new ArrayList<>();
    private boolean join;
    private int maxMinimum;
    private boolean minimumOnUserId;
    private boolean dp;
    private String rulePath = "";

    Importer(AwsImportOptions options) {
      this.options = options;
      this.schema = options.schema();
      this.uid = options.userIdColumn();
      this.analysts = new LinkedHashSet<>(options.analysts());
      roles.put(uid, ColumnRole.USER_ID);
    }

    private void add(String aws, Outcome outcome, String ours, String reason) {
      entries.add(new Entry(aws, outcome, ours, reason));
    }

    /** A restriction our policy cannot say: reported, and made up for by approved templates. */
    private void unrepresentable(String aws, String ours, String reason) {
      add(aws, Outcome.NOT_REPRESENTABLE, ours, reason + TEMPLATES);
      unrepresentable.add(aws);
    }

    private static String at(Obj o, String field) {
      return o.at(field);
    }

    private String column(Str s) {
      if (schema.column(s.value()).isEmpty()) {
        throw s.error("names a column that is not in the schema; columns are: " + schema.names());
      }
      return s.value();
    }

    AwsImport run(String ruleJson, Optional<String> budgetJson) {
      Obj root = AwsJson.parse(ruleJson);
      Obj v1 = locateV1(root);
      Optional<Obj> rule = Optional.empty();
      String type = null;
      if (v1 != null) {
        v1.allowOnly(Set.of(AGGREGATION, LIST, CUSTOM));
        if (v1.names().size() != 1) {
          throw AwsJson.error(
              v1.path(), v1.node(), "must hold exactly one rule: aggregation, list or custom");
        }
        type = v1.names().iterator().next();
        rule = Optional.of(v1.object(type));
        if (root.has("analysisRuleType")) {
          Str declared = root.choice("analysisRuleType", Set.of("AGGREGATION", "LIST", "CUSTOM"));
          if (!declared.value().equalsIgnoreCase(type)) {
            throw declared.error("does not match the rule in analysisRulePolicy");
          }
        }
      } else {
        type = bareType(root);
        rule = Optional.of(root);
      }
      Obj r = rule.get();
      rulePath = r.path();
      switch (type) {
        case AGGREGATION -> aggregation(r);
        case LIST -> list(r);
        default -> custom(r);
      }
      Optional<DifferentialPrivacyRule> dpRule = budget(budgetJson);
      return finish(dpRule);
    }

    /** The {@code v1} object of the document, or null for a bare rule. */
    private Obj locateV1(Obj root) {
      if (root.has("analysisRulePolicy")) {
        root.allowOnly(
            Set.of("configuredTableIdentifier", "analysisRuleType", "analysisRulePolicy"));
        if (root.has("configuredTableIdentifier")) {
          root.string("configuredTableIdentifier");
          add(
              "configuredTableIdentifier",
              Outcome.NOT_REPRESENTABLE,
              "(dataset name)",
              "an AWS table id; the dataset is named when it is built");
        }
        Obj policy = root.object("analysisRulePolicy");
        policy.allowOnly(Set.of("v1"));
        return policy.object("v1");
      }
      if (root.has("v1")) {
        root.allowOnly(Set.of("v1"));
        return root.object("v1");
      }
      if (root.names().size() == 1 && Set.of(AGGREGATION, LIST, CUSTOM).containsAll(root.names())) {
        return root;
      }
      return null;
    }

    private static String bareType(Obj root) {
      if (root.has("aggregateColumns")) {
        return AGGREGATION;
      }
      if (root.has("listColumns")) {
        return LIST;
      }
      if (root.has("allowedAnalyses")) {
        return CUSTOM;
      }
      throw AwsJson.error(
          root.path(),
          root.node(),
          "is not an AWS analysis rule: expected analysisRulePolicy, v1, or the fields of an"
              + " aggregation, list or custom rule");
    }

    // -- aggregation ----------------------------------------------------------------------------

    private void aggregation(Obj r) {
      r.allowOnly(
          Set.of(
              "aggregateColumns",
              "joinColumns",
              "joinRequired",
              "allowedJoinOperators",
              "dimensionColumns",
              "scalarFunctions",
              "outputConstraints",
              "additionalAnalyses"));
      joinColumns(r);
      joinOperators(r);
      if (r.has("joinRequired")) {
        Str s = r.choice("joinRequired", Set.of("QUERY_RUNNER"));
        unrepresentable(
            s.path(),
            "(none)",
            "a query must join the query runner's table; our policy cannot require a join");
      }
      for (Str s : r.strings("dimensionColumns")) {
        dimension(s, Outcome.MAPPED, "grouped by and filtered on, as AWS allows");
      }
      reportNoDimensions(at(r, "dimensionColumns"));
      boolean countsPeople = false;
      List<Obj> aggregates = r.objects("aggregateColumns");
      if (aggregates.isEmpty()) {
        throw r.error("aggregateColumns", "must hold at least one aggregate column");
      }
      for (Obj a : aggregates) {
        a.allowOnly(Set.of("columnNames", "function"));
        Str fn =
            a.choice("function", Set.of("SUM", "SUM_DISTINCT", "COUNT", "COUNT_DISTINCT", "AVG"));
        List<Str> names = a.strings("columnNames");
        if (names.isEmpty()) {
          throw a.error("columnNames", "must name at least one column");
        }
        for (Str n : names) {
          countsPeople |= aggregate(column(n), fn.value(), n.path());
        }
      }
      if (r.has("scalarFunctions")) {
        List<Str> fns = r.strings("scalarFunctions");
        add(
            at(r, "scalarFunctions"),
            fns.isEmpty() ? Outcome.MAPPED : Outcome.TIGHTENED,
            "(none)",
            "our queries apply no scalar functions");
      } else {
        throw r.error("scalarFunctions", "lacks the required field scalarFunctions");
      }
      List<Obj> constraints = r.objects("outputConstraints");
      for (Obj c : constraints) {
        c.allowOnly(Set.of("columnName", "minimum", "type"));
        c.choice("type", Set.of("COUNT_DISTINCT"));
        threshold(c.path(), List.of(c.string("columnName")), c.integer("minimum", 2, 100_000));
      }
      if (!countsPeople) {
        unrepresentable(
            "(aggregateColumns without COUNT_DISTINCT of the user id column)",
            "count(), countDistinctUsers()",
            "our queries may always count people; the rule does not allow it");
      }
      additionalAnalyses(r);
    }

    private void joinColumns(Obj r) {
      for (Str s : r.strings("joinColumns")) {
        String c = column(s);
        if (c.equals(uid)) {
          join = true;
          add(s.path(), Outcome.MAPPED, "allowJoinOn", "the user id column may be joined on");
        } else {
          add(
              s.path(),
              Outcome.TIGHTENED,
              "(none)",
              "datasets join on their user id column only; [" + c + "] is not joined on");
        }
      }
      if (!join) {
        add(
            at(r, "joinColumns"),
            Outcome.TIGHTENED,
            "allowJoinOn",
            "the user id column is not a join column: the dataset cannot be joined");
      }
    }

    private void joinOperators(Obj r) {
      if (r.has("allowedJoinOperators")) {
        List<Str> ops = r.strings("allowedJoinOperators");
        boolean or = false;
        for (Str op : ops) {
          if (!Set.of("AND", "OR").contains(op.value())) {
            throw op.error("must be one of [AND, OR]");
          }
          or |= op.value().equals("OR");
        }
        add(
            at(r, "allowedJoinOperators"),
            or ? Outcome.TIGHTENED : Outcome.MAPPED,
            "(join on user id)",
            "a join is one equality of user ids" + (or ? "; OR is not offered" : ""));
      }
    }

    private void dimension(Str s, Outcome outcome, String how) {
      String c = column(s);
      if (c.equals(uid)) {
        add(
            s.path(),
            Outcome.TIGHTENED,
            "(user id)",
            "the user id column is never grouped by, filtered on or output");
        return;
      }
      if (roles.get(c) == ColumnRole.BLOCKED) {
        add(s.path(), Outcome.TIGHTENED, "(blocked)", "the column is blocked by another field");
        return;
      }
      dimensions.add(c);
      roles.put(c, ColumnRole.DIMENSION);
      add(s.path(), outcome, "allowDimensions", "[" + c + "] is a dimension, " + how);
    }

    private void reportNoDimensions(String path) {
      if (dimensions.isEmpty()) {
        add(path, Outcome.MAPPED, "allowDimensions", "no dimensions");
      }
    }

    /** Maps one aggregate column; returns whether it is COUNT_DISTINCT of the user id. */
    private boolean aggregate(String c, String fn, String path) {
      switch (fn) {
        case "SUM", "AVG" -> {
          if (c.equals(uid) || dimensions.contains(c)) {
            add(
                path,
                Outcome.TIGHTENED,
                "(none)",
                fn + " of a user id or dimension column is not offered");
            return false;
          }
          Column col = schema.column(c).orElseThrow();
          if (!col.type().isNumeric()) {
            add(path, Outcome.TIGHTENED, "(none)", fn + " of a STRING column is not offered");
            return false;
          }
          roles.put(c, ColumnRole.METRIC);
          metrics
              .computeIfAbsent(c, k -> EnumSet.noneOf(AggregateFunction.class))
              .add(AggregateFunction.valueOf(fn));
          add(
              path,
              Outcome.TIGHTENED,
              "allowAggregates(" + c + ", " + fn + ")",
              "each person's total is clamped to bounds the dataset declares for the metric");
          return false;
        }
        case "COUNT_DISTINCT" -> {
          if (c.equals(uid)) {
            add(
                path,
                Outcome.MAPPED,
                "countDistinctUsers()",
                "the number of distinct people of a group");
            return true;
          }
          add(
              path,
              Outcome.NOT_REPRESENTABLE,
              "(none)",
              "only distinct people are counted; not allowed here");
          return false;
        }
        case "COUNT" -> {
          add(
              path,
              Outcome.TIGHTENED,
              "count()",
              "rows are counted at most maxContributionsPerGroup (1) per person");
          return false;
        }
        default -> {
          add(path, Outcome.NOT_REPRESENTABLE, "(none)", "SUM_DISTINCT is not offered");
          return false;
        }
      }
    }

    /** A minimum of distinct values of {@code columns} per output row. */
    private void threshold(String path, List<Str> columns, int minimum) {
      maxMinimum = Math.max(maxMinimum, minimum);
      if (columns.size() == 1 && column(columns.get(0)).equals(uid)) {
        minimumOnUserId = true;
        add(path, Outcome.MAPPED, "minDistinctUsers", "at least " + minimum + " distinct people");
        return;
      }
      for (Str s : columns) {
        column(s);
      }
      unrepresentable(
          path,
          "minDistinctUsers",
          "a minimum of distinct values of another column than the user id; k is at least "
              + minimum
              + " people");
    }

    private void additionalAnalyses(Obj r) {
      if (r.has("additionalAnalyses")) {
        Str s = r.choice("additionalAnalyses", Set.of("ALLOWED", "REQUIRED", "NOT_ALLOWED"));
        switch (s.value()) {
          case "NOT_ALLOWED" ->
              add(s.path(), Outcome.MAPPED, "(none)", "no further analyses run on results");
          case "ALLOWED" ->
              add(s.path(), Outcome.TIGHTENED, "(none)", "no further analyses run on results");
          default ->
              throw s.error(
                  "REQUIRED sends results only to further analyses, which this library does not"
                      + " run: the rule cannot be carried over without loosening it");
        }
      }
    }

    // -- list -----------------------------------------------------------------------------------

    private void list(Obj r) {
      r.allowOnly(
          Set.of("joinColumns", "allowedJoinOperators", "listColumns", "additionalAnalyses"));
      joinColumns(r);
      joinOperators(r);
      unrepresentable(
          "(list queries join the query runner's table)",
          "(none)",
          "a list query must join the query runner's table; our policy cannot require a join");
      for (Str s : r.strings("listColumns")) {
        dimension(
            s,
            Outcome.TIGHTENED,
            "released only as groups of at least k people, never as a list of rows");
      }
      reportNoDimensions(at(r, "listColumns"));
      unrepresentable(
          "(list rules allow no aggregation)",
          "count(), countDistinctUsers()",
          "our queries may always count people; a list rule does not aggregate");
      additionalAnalyses(r);
    }

    // -- custom ---------------------------------------------------------------------------------

    private void custom(Obj r) {
      r.allowOnly(
          Set.of(
              "allowedAnalyses",
              "allowedAnalysisProviders",
              "additionalAnalyses",
              "differentialPrivacy",
              "disallowedOutputColumns",
              "aggregationThresholds"));
      boolean anyQuery = false;
      List<Str> analyses = r.strings("allowedAnalyses");
      for (Str a : analyses) {
        String v = a.value();
        if (v.equals("ANY_QUERY")) {
          anyQuery = true;
          add(
              a.path(),
              Outcome.TIGHTENED,
              "(ad-hoc queries)",
              "ad-hoc queries run, as aggregates of groups of at least k people");
        } else if (v.equals("ANY_JOB")) {
          add(a.path(), Outcome.NOT_REPRESENTABLE, "(none)", "jobs do not run here");
        } else if (TEMPLATE_ARN.matcher(v).matches()) {
          add(
              a.path(),
              Outcome.NOT_REPRESENTABLE,
              "requireApprovedTemplates",
              "an AWS analysis template is not carried over; the owner approves templates here");
        } else {
          throw a.error("is neither ANY_QUERY, ANY_JOB nor an analysis template ARN");
        }
      }
      if (!anyQuery) {
        unrepresentable(
            at(r, "allowedAnalyses"),
            "requireApprovedTemplates",
            "the rule allows named analyses only, no ad-hoc queries");
      }
      if (r.has("allowedAnalysisProviders")) {
        providers(r, r.strings("allowedAnalysisProviders"));
      } else if (anyQuery) {
        throw r.error(
            "allowedAnalysisProviders", "is required when allowedAnalyses holds ANY_QUERY");
      }
      if (r.has("disallowedOutputColumns")) {
        for (Str s : r.strings("disallowedOutputColumns")) {
          String c = column(s);
          if (c.equals(uid)) {
            add(s.path(), Outcome.MAPPED, "(user id)", "the user id column is never output");
          } else {
            roles.put(c, ColumnRole.BLOCKED);
            add(
                s.path(),
                Outcome.TIGHTENED,
                "(blocked column)",
                "[" + c + "] is blocked: not output, nor grouped by, filtered on or aggregated");
          }
        }
      }
      add(
          "(columns of a custom rule)",
          Outcome.TIGHTENED,
          "(column roles)",
          "a custom rule lets queries use any column; here only columns the dataset declares as"
              + " dimensions or metrics can be used, others are blocked");
      if (r.has("aggregationThresholds")) {
        for (Obj t : r.objects("aggregationThresholds")) {
          t.allowOnly(Set.of("identityColumns", "minimumIdentityCount", "type"));
          t.choice("type", Set.of("COUNT_DISTINCT"));
          List<Str> ids = t.strings("identityColumns");
          if (ids.isEmpty()) {
            throw t.error("identityColumns", "must name at least one column");
          }
          threshold(t.path(), ids, t.integer("minimumIdentityCount", 2, 100_000));
        }
      }
      if (r.has("differentialPrivacy")) {
        Obj d = r.object("differentialPrivacy");
        d.allowOnly(Set.of("columns"));
        List<Obj> cols = d.objects("columns");
        if (cols.isEmpty()) {
          throw d.error("columns", "must name at least one column");
        }
        for (Obj c : cols) {
          c.allowOnly(Set.of("name"));
          Str name = c.string("name");
          if (column(name).equals(uid)) {
            dp = true;
            add(
                name.path(),
                Outcome.MAPPED,
                "differentialPrivacy",
                "every query is differentially private, with the user id as the privacy unit");
          } else {
            dp = true;
            unrepresentable(
                name.path(),
                "differentialPrivacy",
                "the privacy unit here is the user id column, not this column");
          }
        }
      }
      additionalAnalyses(r);
    }

    private void providers(Obj r, List<Str> accounts) {
      String path = at(r, "allowedAnalysisProviders");
      Set<String> parties = new LinkedHashSet<>();
      for (Str a : accounts) {
        if (!ACCOUNT.matcher(a.value()).matches()) {
          throw a.error("must be a 12-digit AWS account id");
        }
        String party = options.accountParties().get(a.value());
        if (party == null) {
          add(
              a.path(),
              Outcome.TIGHTENED,
              "allowAnalysts",
              "the account is mapped to no party (AwsImportOptions.accountParty): left out");
        } else {
          parties.add(party);
        }
      }
      analysts.retainAll(parties);
      if (analysts.isEmpty()) {
        throw r.error(
            "allowedAnalysisProviders",
            "leaves no analyst: none of the import's analysts is the party of a listed account");
      }
      add(
          path,
          parties.containsAll(options.analysts()) ? Outcome.MAPPED : Outcome.TIGHTENED,
          "allowAnalysts",
          "the analysts are those of the import options whose accounts are listed");
    }

    // -- privacy budget template ----------------------------------------------------------------

    private Optional<DifferentialPrivacyRule> budget(Optional<String> json) {
      if (json.isEmpty()) {
        if (!dp) {
          return Optional.empty();
        }
        add(
            "(no privacy budget template)",
            Outcome.TIGHTENED,
            "differentialPrivacy(total, maxEpsilonPerQuery)",
            "the strictest AWS allows: ε "
                + AWS_MIN_EPSILON
                + " and noise of "
                + AWS_MAX_USERS_NOISE
                + " users per query");
        return Optional.of(dpRule(AWS_MIN_EPSILON, AWS_MAX_USERS_NOISE, BudgetPeriod.NONE));
      }
      Obj root = AwsJson.parse(json.get(), "privacyBudgetTemplate");
      Obj params;
      Optional<Str> refresh;
      if (root.has("parameters")) {
        root.allowOnly(
            Set.of(
                "membershipIdentifier", "autoRefresh", "privacyBudgetType", "parameters", "tags"));
        root.optString("membershipIdentifier");
        if (root.has("tags")) {
          root.object("tags");
        }
        if (root.has("privacyBudgetType")) {
          root.choice("privacyBudgetType", Set.of("DIFFERENTIAL_PRIVACY"));
        }
        refresh = Optional.of(root.choice("autoRefresh", Set.of("CALENDAR_MONTH", "NONE")));
        Obj p = root.object("parameters");
        p.allowOnly(Set.of("differentialPrivacy"));
        params = p.object("differentialPrivacy");
        params.allowOnly(Set.of("epsilon", "usersNoisePerQuery"));
      } else {
        root.allowOnly(Set.of("epsilon", "usersNoisePerQuery", "autoRefresh"));
        refresh = root.optChoice("autoRefresh", Set.of("CALENDAR_MONTH", "NONE"));
        params = root;
      }
      int epsilon = params.integer("epsilon", AWS_MIN_EPSILON, AWS_MAX_EPSILON);
      int users = params.integer("usersNoisePerQuery", AWS_MIN_USERS_NOISE, AWS_MAX_USERS_NOISE);
      if (!dp) {
        add(
            root.path(),
            Outcome.NOT_REPRESENTABLE,
            "(none)",
            "ignored: the rule protects no column with differential privacy");
        return Optional.empty();
      }
      BudgetPeriod period =
          refresh.map(s -> s.value().equals("CALENDAR_MONTH")).orElse(false)
              ? BudgetPeriod.MONTHLY
              : BudgetPeriod.NONE;
      add(
          params.at("epsilon"),
          Outcome.MAPPED,
          "differentialPrivacy(total)",
          "ε "
              + epsilon
              + " per analyst, pure ε-DP; AWS shares this budget among all tables of the"
              + " collaboration, ours is per dataset: divide it among datasets of the same people"
              + " to keep the same total");
      add(
          params.at("usersNoisePerQuery"),
          Outcome.TIGHTENED,
          "differentialPrivacy(maxEpsilonPerQuery)",
          "noise hiding "
              + users
              + " people per aggregation is read as ε at most 1/"
              + users
              + " per query, for all its aggregates together");
      add(
          refresh.map(Str::path).orElse(root.at("autoRefresh")),
          refresh.isPresent() ? Outcome.MAPPED : Outcome.TIGHTENED,
          "budgetPeriod",
          period == BudgetPeriod.MONTHLY
              ? "the budget starts afresh every calendar month (UTC)"
              : "the budget never starts afresh");
      return Optional.of(dpRule(epsilon, users, period));
    }

    private static DifferentialPrivacyRule dpRule(int epsilon, int users, BudgetPeriod period) {
      return new DifferentialPrivacyRule(
          PrivacyBudget.epsilon(epsilon), BigDecimal.valueOf(epsilonPerQuery(users)), period);
    }

    // -- the policy -----------------------------------------------------------------------------

    private AwsImport finish(Optional<DifferentialPrivacyRule> dpRule) {
      int k = Math.max(maxMinimum, minimumOnUserId ? Policy.MIN_K : options.minDistinctUsers());
      if (!minimumOnUserId) {
        add(
            "(no minimum on the user id column)",
            Outcome.TIGHTENED,
            "minDistinctUsers",
            "at least " + k + " distinct people per released row, from the import options");
      }
      Policy.Builder b =
          Policy.builder().allowAnalysts(analysts.toArray(String[]::new)).minDistinctUsers(k);
      if (join) {
        b.allowJoinOn(uid);
      }
      if (!dimensions.isEmpty()) {
        b.allowDimensions(dimensions.toArray(String[]::new));
      }
      metrics.forEach((m, fns) -> b.allowAggregates(m, fns.toArray(AggregateFunction[]::new)));
      if (dpRule.isPresent()) {
        DifferentialPrivacyRule rule = dpRule.get();
        b.differentialPrivacy(rule.total(), rule.maxEpsilonPerQuery().doubleValue());
        b.budgetPeriod(rule.period());
      }
      if (!unrepresentable.isEmpty()) {
        b.requireApprovedTemplates();
        add(
            "(restrictions not representable)",
            Outcome.TIGHTENED,
            "requireApprovedTemplates",
            "ad-hoc queries are refused; only templates every owner approves run, so the owner"
                + " holds each to the AWS rule ("
                + unrepresentable.size()
                + " restriction"
                + (unrepresentable.size() == 1 ? "" : "s")
                + ")");
      }
      add(
          "(not in AWS rules)",
          Outcome.TIGHTENED,
          "maxGroupsPerUser, maxContributionsPerGroup, differenceCheckRetention",
          "each person counts in one group with one row, and difference checks are on");
      return new AwsImport(b.build(), uid, roles, new AwsMappingReport(entries));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Export

  private static final class Exporter {
    private final Policy policy;
    private final String uid;
    private final Map<String, ColumnRole> roles;
    private final Map<String, String> accounts;
    private final List<Entry> entries = new ArrayList<>();

    Exporter(
        Policy policy, String uid, Map<String, ColumnRole> roles, Map<String, String> accounts) {
      this.policy = policy;
      this.uid = uid;
      this.roles = roles;
      this.accounts = accounts;
    }

    private void add(String aws, Outcome outcome, String ours, String reason) {
      entries.add(new Entry(aws, outcome, ours, reason));
    }

    AwsExport run() {
      Map<String, Object> rule = new LinkedHashMap<>();
      Optional<String> budget = Optional.empty();
      String type;
      if (policy.differentialPrivacy().isPresent() || policy.requiresApprovedTemplates()) {
        type = CUSTOM;
        budget = custom(rule);
      } else {
        type = AGGREGATION;
        aggregation(rule);
      }
      common();
      Map<String, Object> v1 = new LinkedHashMap<>();
      v1.put(type, rule);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("v1", v1);
      return new AwsExport(AwsJsonWriter.write(doc), budget, new AwsMappingReport(entries));
    }

    private Set<String> dimensions() {
      Set<String> dims = new LinkedHashSet<>();
      if (policy.allowedDimensions().isPresent()) {
        dims.addAll(policy.allowedDimensions().get());
      } else {
        roles.forEach(
            (c, r) -> {
              if (r == ColumnRole.DIMENSION) {
                dims.add(c);
              }
            });
      }
      return dims;
    }

    private void aggregation(Map<String, Object> rule) {
      String p = "v1.aggregation.";
      List<Object> aggregates = new ArrayList<>();
      aggregates.add(aggregate(List.of(uid), "COUNT_DISTINCT"));
      add(
          p + "aggregateColumns[0]",
          Outcome.MAPPED,
          "countDistinctUsers()",
          "COUNT_DISTINCT of the user id column");
      List<String> sums = new ArrayList<>();
      List<String> avgs = new ArrayList<>();
      roles.forEach(
          (c, r) -> {
            if (r == ColumnRole.METRIC) {
              Set<AggregateFunction> fns = policy.allowedAggregates(c);
              if (fns.contains(AggregateFunction.SUM)) {
                sums.add(c);
              }
              if (fns.contains(AggregateFunction.AVG)) {
                avgs.add(c);
              }
            }
          });
      if (!sums.isEmpty()) {
        add(
            p + "aggregateColumns[" + aggregates.size() + "]",
            Outcome.NOT_REPRESENTABLE,
            "allowAggregates(SUM), clamp bounds",
            "SUM of the metrics; AWS does not clamp each person's total");
        aggregates.add(aggregate(sums, "SUM"));
      }
      if (!avgs.isEmpty()) {
        add(
            p + "aggregateColumns[" + aggregates.size() + "]",
            Outcome.NOT_REPRESENTABLE,
            "allowAggregates(AVG), clamp bounds",
            "AVG of the metrics; AWS does not clamp each person's total");
        aggregates.add(aggregate(avgs, "AVG"));
      }
      add(
          "(none)",
          Outcome.TIGHTENED,
          "count()",
          "not exported: AWS's COUNT does not cap rows per person; COUNT_DISTINCT of people is");
      rule.put("aggregateColumns", aggregates);
      List<String> joins = new ArrayList<>(policy.joinColumns());
      rule.put("joinColumns", joins);
      add(
          p + "joinColumns",
          Outcome.MAPPED,
          "allowJoinOn",
          joins.isEmpty() ? "no join columns" : "the user id column may be joined on");
      rule.put("allowedJoinOperators", List.of("AND"));
      add(p + "allowedJoinOperators", Outcome.MAPPED, "(join on user id)", "AND only");
      List<String> dims = new ArrayList<>(dimensions());
      rule.put("dimensionColumns", dims);
      add(p + "dimensionColumns", Outcome.MAPPED, "allowDimensions", "the allowed dimensions");
      rule.put("scalarFunctions", List.of());
      add(p + "scalarFunctions", Outcome.MAPPED, "(none)", "no scalar functions");
      Map<String, Object> constraint = new LinkedHashMap<>();
      constraint.put("columnName", uid);
      constraint.put("minimum", policy.minDistinctUsers());
      constraint.put("type", "COUNT_DISTINCT");
      rule.put("outputConstraints", List.of(constraint));
      add(
          p + "outputConstraints[0]",
          Outcome.MAPPED,
          "minDistinctUsers",
          "at least " + policy.minDistinctUsers() + " distinct user ids per row");
    }

    private static Map<String, Object> aggregate(List<String> columns, String fn) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("columnNames", List.copyOf(columns));
      a.put("function", fn);
      return a;
    }

    private Optional<String> custom(Map<String, Object> rule) {
      String p = "v1.custom.";
      boolean adHoc = !policy.requiresApprovedTemplates();
      rule.put("allowedAnalyses", adHoc ? List.of("ANY_QUERY") : List.of());
      add(
          p + "allowedAnalyses",
          adHoc ? Outcome.NOT_REPRESENTABLE : Outcome.MAPPED,
          adHoc ? "(ad-hoc queries)" : "requireApprovedTemplates",
          adHoc
              ? "ANY_QUERY lets any SQL run; our queries are aggregates of declared dimensions and"
                  + " metrics only"
              : "no analyses yet: add the ARNs of the analysis templates you approve");
      List<String> providers = new ArrayList<>();
      for (String analyst : policy.analysts()) {
        String account = accounts.get(analyst);
        if (account != null) {
          providers.add(account);
        }
      }
      rule.put("allowedAnalysisProviders", providers);
      boolean all = providers.size() == policy.analysts().size();
      add(
          p + "allowedAnalysisProviders",
          all ? Outcome.MAPPED : Outcome.TIGHTENED,
          "allowAnalysts",
          all
              ? "the account ids of the analysts"
              : "the account ids of the analysts; analysts without one are left out");
      List<String> blocked = new ArrayList<>();
      roles.forEach(
          (c, r) -> {
            if (r == ColumnRole.BLOCKED) {
              blocked.add(c);
            }
          });
      blocked.add(uid);
      rule.put("disallowedOutputColumns", blocked);
      add(
          p + "disallowedOutputColumns",
          Outcome.NOT_REPRESENTABLE,
          "(blocked columns, user id)",
          "not output; AWS still lets queries filter and join on them");
      add(
          "(none)",
          Outcome.NOT_REPRESENTABLE,
          "allowDimensions, allowAggregates",
          "a custom rule does not list dimensions or aggregate functions");
      Optional<DifferentialPrivacyRule> dp = policy.differentialPrivacy();
      if (dp.isEmpty()) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("identityColumns", List.of(uid));
        t.put("minimumIdentityCount", policy.minDistinctUsers());
        t.put("type", "COUNT_DISTINCT");
        rule.put("aggregationThresholds", List.of(t));
        add(
            p + "aggregationThresholds[0]",
            Outcome.MAPPED,
            "minDistinctUsers",
            "at least " + policy.minDistinctUsers() + " distinct user ids per row");
        return Optional.empty();
      }
      add(
          "(none)",
          Outcome.NOT_REPRESENTABLE,
          "minDistinctUsers",
          "AWS does not combine aggregation thresholds with differential privacy");
      Map<String, Object> column = new LinkedHashMap<>();
      column.put("name", uid);
      Map<String, Object> dpConfig = new LinkedHashMap<>();
      dpConfig.put("columns", List.of(column));
      rule.put("differentialPrivacy", dpConfig);
      add(
          p + "differentialPrivacy.columns[0]",
          Outcome.MAPPED,
          "differentialPrivacy",
          "the user id column is the privacy unit");
      return Optional.of(budgetTemplate(dp.get()));
    }

    private String budgetTemplate(DifferentialPrivacyRule dp) {
      String p = "privacyBudgetTemplate.";
      BigDecimal total = dp.total().epsilon();
      long epsilon = total.setScale(0, RoundingMode.FLOOR).longValue();
      if (epsilon < AWS_MIN_EPSILON) {
        epsilon = AWS_MIN_EPSILON;
        add(
            p + "parameters.differentialPrivacy.epsilon",
            Outcome.NOT_REPRESENTABLE,
            "differentialPrivacy(total)",
            "AWS's smallest ε is " + AWS_MIN_EPSILON + ", more than this policy's total");
      } else if (epsilon > AWS_MAX_EPSILON) {
        epsilon = AWS_MAX_EPSILON;
        add(
            p + "parameters.differentialPrivacy.epsilon",
            Outcome.TIGHTENED,
            "differentialPrivacy(total)",
            "AWS's largest ε is " + AWS_MAX_EPSILON);
      } else {
        add(
            p + "parameters.differentialPrivacy.epsilon",
            total.compareTo(BigDecimal.valueOf(epsilon)) == 0 && dp.total().delta().signum() == 0
                ? Outcome.MAPPED
                : Outcome.TIGHTENED,
            "differentialPrivacy(total)",
            "a whole ε, rounded down; shared by all tables of the collaboration");
      }
      long users = usersNoise(dp.maxEpsilonPerQuery());
      if (users > AWS_MAX_USERS_NOISE) {
        users = AWS_MAX_USERS_NOISE;
        add(
            p + "parameters.differentialPrivacy.usersNoisePerQuery",
            Outcome.NOT_REPRESENTABLE,
            "differentialPrivacy(maxEpsilonPerQuery)",
            "AWS's most noise hides " + AWS_MAX_USERS_NOISE + " users, less than this cap asks");
      } else if (users < AWS_MIN_USERS_NOISE) {
        users = AWS_MIN_USERS_NOISE;
        add(
            p + "parameters.differentialPrivacy.usersNoisePerQuery",
            Outcome.TIGHTENED,
            "differentialPrivacy(maxEpsilonPerQuery)",
            "AWS's least noise hides " + AWS_MIN_USERS_NOISE + " users, more than this cap asks");
      } else {
        add(
            p + "parameters.differentialPrivacy.usersNoisePerQuery",
            Outcome.MAPPED,
            "differentialPrivacy(maxEpsilonPerQuery)",
            "noise hiding 1/ε people per aggregation");
      }
      String refresh;
      switch (dp.period()) {
        case NONE -> {
          refresh = "NONE";
          add(p + "autoRefresh", Outcome.MAPPED, "budgetPeriod", "the budget never refreshes");
        }
        case MONTHLY -> {
          refresh = "CALENDAR_MONTH";
          add(p + "autoRefresh", Outcome.MAPPED, "budgetPeriod", "every calendar month");
        }
        default -> {
          refresh = "CALENDAR_MONTH";
          add(
              p + "autoRefresh",
              Outcome.TIGHTENED,
              "budgetPeriod",
              "AWS refreshes monthly at most, not " + dp.period());
        }
      }
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("epsilon", (int) epsilon);
      params.put("usersNoisePerQuery", (int) users);
      Map<String, Object> dpParams = new LinkedHashMap<>();
      dpParams.put("differentialPrivacy", params);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("autoRefresh", refresh);
      doc.put("privacyBudgetType", "DIFFERENTIAL_PRIVACY");
      doc.put("parameters", dpParams);
      return AwsJsonWriter.write(doc);
    }

    /** Rules AWS has no field for. */
    private void common() {
      if (!policy.groupClamps().isEmpty()) {
        add("(none)", Outcome.NOT_REPRESENTABLE, "clampPerGroup", "AWS does not clamp totals");
      }
      add(
          "(none)",
          Outcome.NOT_REPRESENTABLE,
          "maxGroupsPerUser, maxContributionsPerGroup",
          "AWS does not bound the groups and rows of a person");
      if (policy.differenceCheckRetention().isPresent()) {
        add(
            "(none)",
            Outcome.NOT_REPRESENTABLE,
            "differenceCheckRetention",
            "AWS does not check differences between released rows");
      }
      if (policy.queryLimit().isPresent()) {
        add("(none)", Outcome.NOT_REPRESENTABLE, "maxQueries", "AWS does not cap queries");
      }
      if (!policy.receivers().equals(policy.analysts())) {
        add(
            "(none)",
            Outcome.NOT_REPRESENTABLE,
            "allowReceivers",
            "AWS names result receivers in the collaboration, not in the rule");
      }
      if (!policy.cohortReceivers().isEmpty()) {
        add(
            "(none)",
            Outcome.NOT_REPRESENTABLE,
            "allowCohortRelease",
            "AWS rules do not release cohorts");
      }
    }
  }
}
