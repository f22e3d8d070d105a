package dev.cleanroom.internal.sql;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.TimeBucket;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.AnalyticType;
import net.sf.jsqlparser.expression.BinaryExpression;
import net.sf.jsqlparser.expression.BooleanValue;
import net.sf.jsqlparser.expression.CaseExpression;
import net.sf.jsqlparser.expression.CastExpression;
import net.sf.jsqlparser.expression.DateTimeLiteralExpression;
import net.sf.jsqlparser.expression.DateValue;
import net.sf.jsqlparser.expression.DoubleValue;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.HexValue;
import net.sf.jsqlparser.expression.IntervalExpression;
import net.sf.jsqlparser.expression.JdbcNamedParameter;
import net.sf.jsqlparser.expression.JdbcParameter;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NotExpression;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.SignedExpression;
import net.sf.jsqlparser.expression.StringValue;
import net.sf.jsqlparser.expression.TimeValue;
import net.sf.jsqlparser.expression.TimestampValue;
import net.sf.jsqlparser.expression.operators.arithmetic.Addition;
import net.sf.jsqlparser.expression.operators.arithmetic.Concat;
import net.sf.jsqlparser.expression.operators.arithmetic.Division;
import net.sf.jsqlparser.expression.operators.arithmetic.Multiplication;
import net.sf.jsqlparser.expression.operators.arithmetic.Subtraction;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.conditional.OrExpression;
import net.sf.jsqlparser.expression.operators.conditional.XorExpression;
import net.sf.jsqlparser.expression.operators.relational.Between;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ExistsExpression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.expression.operators.relational.GreaterThan;
import net.sf.jsqlparser.expression.operators.relational.GreaterThanEquals;
import net.sf.jsqlparser.expression.operators.relational.InExpression;
import net.sf.jsqlparser.expression.operators.relational.IsBooleanExpression;
import net.sf.jsqlparser.expression.operators.relational.IsNullExpression;
import net.sf.jsqlparser.expression.operators.relational.LikeExpression;
import net.sf.jsqlparser.expression.operators.relational.MinorThan;
import net.sf.jsqlparser.expression.operators.relational.MinorThanEquals;
import net.sf.jsqlparser.expression.operators.relational.NotEqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.ASTNodeAccess;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.parser.SimpleNode;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.parser.TokenMgrException;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.select.WithItem;

/**
 * Compiles SQL text to the {@link QuerySpec} or {@link CohortSpec} that the fluent builder would
 * produce, with JSqlParser as the parser. The supported subset mirrors the builder exactly (see the
 * README's section "SQL text" and {@code QuerySpec.toSql()}, which writes it); anything else is an
 * {@link InvalidQueryException} that names the construct and its line and column. No message holds
 * a literal value of the text.
 *
 * <p>Stateless and thread-safe.
 */
public final class SqlCompiler {
  /** The longest text compiled, in characters. */
  static final int MAX_LENGTH = 1 << 20;

  /** The deepest nesting of parentheses compiled; deeper text is refused before parsing. */
  static final int MAX_DEPTH = 16;

  private static final String USER_ID = "USER_ID";
  private static final String PRIVACY = "differential_privacy";
  private static final String PUBLIC_GROUPS = "public_groups";
  private static final Pattern LEXICAL = Pattern.compile("line (\\d+), column (\\d+)");

  private SqlCompiler() {}

  /**
   * Compiles an aggregate query.
   *
   * @param analyst the party running the query
   * @param sql the query's text
   * @return the query's description
   * @throws InvalidQueryException if the text is not in the supported subset
   */
  public static QuerySpec compileQuery(String analyst, String sql) {
    Objects.requireNonNull(analyst, "analyst");
    return withinStack(() -> query(analyst, sql));
  }

  private static QuerySpec query(String analyst, String sql) {
    Parsed parsed = parse(sql);
    PlainSelect select = parsed.select();
    if (isCohort(select)) {
      throw invalid(
          at(select.getSelectItems().get(0).getExpression(), Pos.START),
          "SELECT USER_ID releases a cohort, not an aggregate; use sqlCohort(...) for it");
    }
    try {
      return new Compilation(parsed.first()).query(analyst, select);
    } catch (IllegalArgumentException e) {
      // A name or an alias the query's records refuse; their messages name no value.
      throw new InvalidQueryException(e.getMessage() + " (line 1, column 1)");
    }
  }

  /**
   * Compiles a cohort, {@code SELECT USER_ID FROM ... WHERE ...}; its receiver is the analyst.
   *
   * @param analyst the party running the query
   * @param sql the cohort's text
   * @return the cohort's description, with the analyst as its receiver
   * @throws InvalidQueryException if the text is not in the supported subset
   */
  public static CohortSpec compileCohort(String analyst, String sql) {
    Objects.requireNonNull(analyst, "analyst");
    return withinStack(() -> cohort(analyst, sql));
  }

  /**
   * Runs a compilation; text whose nesting exhausts the stack of the recursive parser or compiler
   * (800 {@code IN} conditions in a row, a thousand nested {@code CASE}s: nesting that no
   * parenthesis shows, {@link #checkDepth}) is refused, never thrown as an {@link Error}.
   */
  private static <T> T withinStack(Supplier<T> compilation) {
    try {
      return compilation.get();
    } catch (StackOverflowError e) {
      throw new InvalidQueryException(
          "SQL text nested too deeply to parse; write fewer conditions or nested expressions"
              + " (line 1, column 1)");
    }
  }

  private static CohortSpec cohort(String analyst, String sql) {
    Parsed parsed = parse(sql);
    PlainSelect select = parsed.select();
    if (!isCohort(select)) {
      throw invalid(
          at(select, Pos.START),
          "a cohort selects only USER_ID: SELECT USER_ID FROM ... [JOIN ... USING (USER_ID)]"
              + " [WHERE ...]");
    }
    try {
      return new Compilation(parsed.first()).cohort(analyst, select);
    } catch (IllegalArgumentException e) {
      throw new InvalidQueryException(e.getMessage() + " (line 1, column 1)");
    }
  }

  private static boolean isCohort(PlainSelect select) {
    List<SelectItem<?>> items = select.getSelectItems();
    return items != null
        && items.size() == 1
        && items.get(0).getExpression() instanceof Column c
        && c.getTable() == null
        && isUserId(c.getColumnName());
  }

  private static boolean isUserId(String name) {
    return name.equalsIgnoreCase(USER_ID);
  }

  // ---- parsing ------------------------------------------------------------------------------

  /** A parsed statement and the first token of its text. */
  private record Parsed(PlainSelect select, Token first) {}

  private static Parsed parse(String sql) {
    Objects.requireNonNull(sql, "sql");
    if (sql.length() > MAX_LENGTH) {
      throw new InvalidQueryException(
          "SQL text is longer than "
              + MAX_LENGTH
              + " characters; provided length: "
              + sql.length());
    }
    checkDepth(sql);
    Statement statement;
    Token first;
    // Without "complex parsing" the parser's lookahead stays polynomial in the nesting depth; with
    // it, six nested parentheses can take many seconds.
    CCJSqlParser parser = newParser(sql).withAllowComplexParsing(false);
    try {
      first = parser.getToken(1);
      statement = parser.Statement();
      Token next = parser.getNextToken();
      if (next.kind != CCJSqlParserConstants.EOF) {
        throw unsupported(new Pos(next.beginLine, next.beginColumn), "a second statement", "");
      }
    } catch (ParseException e) {
      Token bad = e.currentToken == null ? null : e.currentToken.next;
      if (bad == null) {
        throw new InvalidQueryException("SQL syntax error (line 1, column 1)");
      }
      throw invalid(
          new Pos(bad.beginLine, bad.beginColumn), "SQL syntax error: unexpected " + describe(bad));
    } catch (TokenMgrException e) {
      throw lexical(e);
    } catch (InvalidQueryException e) {
      throw e;
    } catch (RuntimeException e) {
      // A defect of the parser on odd input; the message may quote the text, so it is not kept.
      throw new InvalidQueryException("SQL text could not be parsed (line 1, column 1)");
    }
    if (statement == null) {
      throw new InvalidQueryException("SQL text holds no statement (line 1, column 1)");
    }
    if (statement instanceof PlainSelect select) {
      return new Parsed(select, first);
    }
    Pos pos = Pos.first(sql);
    if (statement instanceof SetOperationList) {
      throw unsupported(pos, "UNION, INTERSECT or EXCEPT", "");
    }
    if (statement instanceof ParenthesedSelect) {
      throw unsupported(pos, "a parenthesized query", "write the SELECT without parentheses");
    }
    if (statement instanceof Values) {
      throw unsupported(pos, "VALUES", "");
    }
    if (statement instanceof Select) {
      throw unsupported(pos, "this kind of query", "");
    }
    throw unsupported(
        pos,
        "a statement other than SELECT",
        "the room answers aggregate SELECT queries and cohorts only");
  }

  private static CCJSqlParser newParser(String sql) {
    CCJSqlParser parser = CCJSqlParserUtil.newParser(sql);
    if (parser == null) {
      throw new InvalidQueryException("SQL text holds no statement (line 1, column 1)");
    }
    return parser;
  }

  /**
   * Refuses nesting deeper than {@link #MAX_DEPTH} before the recursive parser sees it.
   *
   * @return the deepest nesting of parentheses
   */
  private static int checkDepth(String sql) {
    CCJSqlParser lexer = newParser(sql).withAllowComplexParsing(false);
    int depth = 0;
    int deepest = 0;
    try {
      for (Token t = lexer.getNextToken();
          t.kind != CCJSqlParserConstants.EOF;
          t = lexer.getNextToken()) {
        if ("(".equals(t.image)) {
          depth++;
          deepest = Math.max(deepest, depth);
          if (depth > MAX_DEPTH) {
            throw invalid(
                new Pos(t.beginLine, t.beginColumn),
                "parentheses nested deeper than " + MAX_DEPTH + " levels");
          }
        } else if (")".equals(t.image)) {
          depth--;
        }
      }
    } catch (TokenMgrException e) {
      throw lexical(e);
    }
    return deepest;
  }

  private static InvalidQueryException lexical(TokenMgrException e) {
    Matcher m = LEXICAL.matcher(String.valueOf(e.getMessage()));
    String where = m.find() ? "line " + m.group(1) + ", column " + m.group(2) : "line 1, column 1";
    return new InvalidQueryException(
        "SQL text cannot be read at "
            + where
            + ": an unterminated string or quoted name, or a character outside the SQL syntax");
  }

  /** What a token is, without its text unless it is a keyword or a symbol. */
  private static String describe(Token t) {
    if (t.kind == CCJSqlParserConstants.EOF) {
      return "end of text";
    }
    String image =
        t.kind < CCJSqlParserConstants.tokenImage.length
            ? CCJSqlParserConstants.tokenImage[t.kind]
            : "";
    if (image.startsWith("\"") && image.endsWith("\"") && image.length() > 2) {
      return "'" + image.substring(1, image.length() - 1) + "'";
    }
    if (t.kind == CCJSqlParserConstants.S_CHAR_LITERAL) {
      return "a string literal";
    }
    if (t.kind == CCJSqlParserConstants.S_LONG
        || t.kind == CCJSqlParserConstants.S_DOUBLE
        || t.kind == CCJSqlParserConstants.S_HEX) {
      return "a number";
    }
    if (t.kind == CCJSqlParserConstants.S_IDENTIFIER
        || t.kind == CCJSqlParserConstants.S_QUOTED_IDENTIFIER) {
      return "a name";
    }
    return "a token";
  }

  // ---- positions and errors -----------------------------------------------------------------

  /** A line and column of the text, both from 1. */
  record Pos(int line, int column) {
    static final Pos START = new Pos(1, 1);

    /** The position of the first character that is not white space. */
    static Pos first(String sql) {
      int line = 1;
      int column = 1;
      for (int i = 0; i < sql.length(); i++) {
        char ch = sql.charAt(i);
        if (ch == '\n') {
          line++;
          column = 1;
        } else if (Character.isWhitespace(ch)) {
          column++;
        } else {
          return new Pos(line, column);
        }
      }
      return new Pos(line, column);
    }

    @Override
    public String toString() {
      return "line " + line + ", column " + column;
    }
  }

  /**
   * The position of a parsed node, or of its leftmost part that the parser kept one for, or {@code
   * fallback}.
   */
  private static Pos at(Object node, Pos fallback) {
    Object x = node;
    for (int i = 0; i < 1000 && x != null; i++) {
      if (x instanceof ASTNodeAccess access) {
        SimpleNode n = access.getASTNode();
        if (n != null && n.jjtGetFirstToken() != null) {
          Token t = n.jjtGetFirstToken();
          return new Pos(t.beginLine, t.beginColumn);
        }
      }
      if (x instanceof BinaryExpression b) {
        x = b.getLeftExpression();
      } else if (x instanceof InExpression in) {
        x = in.getLeftExpression();
      } else if (x instanceof Between b) {
        x = b.getLeftExpression();
      } else if (x instanceof IsNullExpression n) {
        x = n.getLeftExpression();
      } else if (x instanceof LikeExpression l) {
        x = l.getLeftExpression();
      } else {
        break;
      }
    }
    return fallback;
  }

  /** The first token of the text with this image (outside strings and quoted names), if any. */
  private static Optional<Pos> find(Token first, String image) {
    for (Token t = first; t != null && t.kind != CCJSqlParserConstants.EOF; t = t.next) {
      if (t.image != null && t.image.equalsIgnoreCase(image)) {
        return Optional.of(new Pos(t.beginLine, t.beginColumn));
      }
    }
    return Optional.empty();
  }

  /**
   * The position of the first token {@code keyword} (outside strings and quoted names) within the
   * node, or the node's position.
   */
  private static Pos keyword(Object node, String keyword, Pos fallback) {
    if (node instanceof ASTNodeAccess access) {
      SimpleNode n = access.getASTNode();
      if (n != null && n.jjtGetFirstToken() != null) {
        Token last = n.jjtGetLastToken();
        for (Token t = n.jjtGetFirstToken(); t != null; t = t.next) {
          if (t.image != null && t.image.equalsIgnoreCase(keyword)) {
            return new Pos(t.beginLine, t.beginColumn);
          }
          if (t == last) {
            break;
          }
        }
      }
    }
    return at(node, fallback);
  }

  private static InvalidQueryException unsupported(Pos pos, String construct, String hint) {
    return new InvalidQueryException(
        construct
            + " is not supported in SQL text ("
            + pos
            + ")"
            + (hint.isEmpty() ? "" : "; " + hint));
  }

  private static InvalidQueryException invalid(Pos pos, String message) {
    return new InvalidQueryException(message + " (" + pos + ")");
  }

  /** The unquoted form of a name as the parser returns it. */
  private static String unquote(String name, Pos pos) {
    if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
      return name.substring(1, name.length() - 1).replace("\"\"", "\"");
    }
    if (name.startsWith("`") || name.startsWith("[")) {
      throw unsupported(pos, "a name quoted with ` or [ ]", "quote names with double quotes");
    }
    return name;
  }

  // ---- one compilation ----------------------------------------------------------------------

  /** The state of one compilation: the statement's positions for messages. */
  private static final class Compilation {
    private final Token first;
    private Pos statement = Pos.START;

    Compilation(Token first) {
      this.first = first;
    }

    QuerySpec query(String analyst, PlainSelect select) {
      statement = at(select, Pos.START);
      checkClauses(select, true);
      List<String> datasets = from(select);
      List<Condition> where = where(select);
      List<String> groupBy = groupBy(select);
      List<Aggregate> aggregates = selectList(select, groupBy);
      Privacy privacy = with(select, groupBy);
      try {
        return new QuerySpec(analyst, datasets, where, groupBy, aggregates, privacy);
      } catch (IllegalArgumentException e) {
        throw invalid(statement, "the query is not valid: " + e.getMessage());
      }
    }

    CohortSpec cohort(String analyst, PlainSelect select) {
      statement = at(select, Pos.START);
      checkClauses(select, true);
      if (select.getWithItemsList() != null && !select.getWithItemsList().isEmpty()) {
        throw unsupported(
            find(first, "WITH").orElse(statement),
            "WITH in a cohort",
            "a cohort has no differential-privacy settings");
      }
      if (select.getGroupBy() != null) {
        throw unsupported(keyword(select, "GROUP", statement), "GROUP BY in a cohort", "");
      }
      SelectItem<?> item = select.getSelectItems().get(0);
      if (item.getAlias() != null) {
        throw unsupported(at(item.getExpression(), statement), "an alias of USER_ID", "");
      }
      List<String> datasets = from(select);
      List<Condition> where = where(select);
      try {
        return new CohortSpec(analyst, datasets, where, analyst);
      } catch (IllegalArgumentException e) {
        throw invalid(statement, "the cohort is not valid: " + e.getMessage());
      }
    }

    /** Refuses every clause of a SELECT outside the subset. */
    private void checkClauses(PlainSelect s, boolean top) {
      Pos p = at(s, statement);
      if (s.getDistinct() != null) {
        throw unsupported(
            keyword(s, "DISTINCT", p),
            "SELECT DISTINCT",
            "count people with COUNT(DISTINCT USER_ID)");
      }
      if (s.getOrderByElements() != null && !s.getOrderByElements().isEmpty()) {
        throw unsupported(keyword(s, "ORDER", p), "ORDER BY", "results are released unordered");
      }
      if (s.getLimit() != null || s.getLimitBy() != null) {
        throw unsupported(keyword(s, "LIMIT", p), "LIMIT", "");
      }
      if (s.getOffset() != null) {
        throw unsupported(keyword(s, "OFFSET", p), "OFFSET", "");
      }
      if (s.getFetch() != null) {
        throw unsupported(keyword(s, "FETCH", p), "FETCH", "");
      }
      if (s.getTop() != null) {
        throw unsupported(keyword(s, "TOP", p), "TOP", "");
      }
      if (s.getHaving() != null) {
        throw unsupported(
            keyword(s, "HAVING", p),
            "HAVING",
            "the room suppresses small groups itself; filter rows with WHERE");
      }
      if (s.getQualify() != null) {
        throw unsupported(keyword(s, "QUALIFY", p), "QUALIFY", "");
      }
      if (s.getWindowDefinitions() != null && !s.getWindowDefinitions().isEmpty()
          || s.getKsqlWindow() != null) {
        throw unsupported(keyword(s, "WINDOW", p), "WINDOW", "");
      }
      if (s.getIntoTables() != null && !s.getIntoTables().isEmpty()
          || s.getIntoTempTable() != null) {
        throw unsupported(keyword(s, "INTO", p), "SELECT INTO", "");
      }
      if (s.getForClause() != null || s.getForMode() != null || s.getForXmlPath() != null) {
        throw unsupported(keyword(s, "FOR", p), "a FOR clause", "");
      }
      if (s.getOracleHierarchical() != null) {
        throw unsupported(keyword(s, "CONNECT", p), "CONNECT BY", "");
      }
      if (s.getLateralViews() != null && !s.getLateralViews().isEmpty()) {
        throw unsupported(keyword(s, "LATERAL", p), "LATERAL VIEW", "");
      }
      if (s.getSampleClause() != null) {
        throw unsupported(keyword(s, "TABLESAMPLE", p), "TABLESAMPLE", "");
      }
      if (s.getPreferringClause() != null) {
        throw unsupported(keyword(s, "PREFERRING", p), "PREFERRING", "");
      }
      if (s.getOracleHint() != null) {
        throw unsupported(p, "an optimizer hint", "");
      }
      if (s.getSkip() != null || s.getFirst() != null) {
        throw unsupported(p, "SKIP or FIRST", "");
      }
      if (s.getOptimizeFor() != null) {
        throw unsupported(keyword(s, "OPTIMIZE", p), "OPTIMIZE FOR", "");
      }
      if (s.getIsolation() != null) {
        throw unsupported(keyword(s, "WITH", p), "an isolation level", "");
      }
      if (s.getBigQuerySelectQualifier() != null) {
        throw unsupported(p, "SELECT AS STRUCT or AS VALUE", "");
      }
      if (s.getMySqlSqlCacheFlag() != null
          || s.getMySqlSqlCalcFoundRows()
          || s.getMySqlHintStraightJoin()
          || s.isUsingFinal()
          || s.isUsingOnly()
          || s.isUseWithNoLog()
          || s.isEmitChanges()
          || s.isNoWait()
          || s.isSkipLocked()
          || s.getWait() != null
          || s.getForUpdateTable() != null
          || s.getPivot() != null
          || s.getUnPivot() != null
          || s.getAlias() != null) {
        throw unsupported(p, "a vendor-specific SELECT option", "");
      }
      if (!top && s.getWithItemsList() != null && !s.getWithItemsList().isEmpty()) {
        throw unsupported(keyword(s, "WITH", p), "a nested WITH", "");
      }
      if (s.getSelectItems() == null || s.getSelectItems().isEmpty()) {
        throw invalid(p, "a SELECT needs at least one column");
      }
    }

    // ---- FROM and JOIN ----------------------------------------------------------------------

    private List<String> from(PlainSelect s) {
      List<String> datasets = new ArrayList<>();
      FromItem first = s.getFromItem();
      if (first == null) {
        throw invalid(statement, "a query needs FROM owner.dataset");
      }
      datasets.add(dataset(first));
      if (s.getJoins() != null) {
        for (Join j : s.getJoins()) {
          Pos p = at(j.getRightItem(), statement);
          if (j.isSimple()) {
            throw unsupported(
                p, "a comma join", "join on the user id: JOIN owner.dataset USING (USER_ID)");
          }
          if (j.isLeft() || j.isRight() || j.isFull() || j.isOuter()) {
            throw unsupported(
                p,
                "an outer join",
                "datasets are joined on the user id: JOIN owner.dataset USING (USER_ID)");
          }
          if (j.isCross()
              || j.isNatural()
              || j.isSemi()
              || j.isApply()
              || j.isStraight()
              || j.isGlobal()
              || j.isWindowJoin()
              || j.getJoinHint() != null) {
            throw unsupported(
                p,
                "this kind of join",
                "datasets are joined on the user id: JOIN owner.dataset USING (USER_ID)");
          }
          if (j.getOnExpressions() != null && !j.getOnExpressions().isEmpty()) {
            throw unsupported(
                at(j.getOnExpressions().iterator().next(), p),
                "JOIN ... ON",
                "datasets are joined on the user id: JOIN owner.dataset USING (USER_ID)");
          }
          List<Column> using = j.getUsingColumns();
          if (using == null
              || using.size() != 1
              || using.get(0).getTable() != null
              || !isUserId(using.get(0).getColumnName())) {
            throw invalid(p, "a JOIN must be on the user id: JOIN owner.dataset USING (USER_ID)");
          }
          String name = dataset(j.getRightItem());
          if (datasets.contains(name)) {
            throw invalid(p, "dataset [" + name + "] appears twice in the query");
          }
          datasets.add(name);
        }
      }
      return datasets;
    }

    private String dataset(FromItem item) {
      Pos p = at(item, statement);
      if (item instanceof ParenthesedSelect) {
        throw unsupported(p, "a subquery in FROM", "name a registered dataset as owner.dataset");
      }
      if (!(item instanceof Table t)) {
        throw unsupported(p, "this FROM item", "name a registered dataset as owner.dataset");
      }
      if (t.getAlias() != null) {
        throw unsupported(
            p, "a dataset alias", "qualify columns as dataset.column or owner.dataset.column");
      }
      if (t.getPivot() != null
          || t.getUnPivot() != null
          || t.getIndexHint() != null
          || t.getSqlServerHints() != null
          || t.getSampleClause() != null) {
        throw unsupported(p, "a dataset option", "");
      }
      if (t.getFullyQualifiedName().contains("@")) {
        throw unsupported(p, "a database link", "name a registered dataset as owner.dataset");
      }
      if (t.getDatabase() != null && t.getDatabase().getDatabaseName() != null) {
        throw invalid(p, "a dataset is named owner.dataset; this name has too many parts");
      }
      if (t.getSchemaName() == null) {
        throw invalid(p, "a dataset is named owner.dataset; the owner is missing");
      }
      return unquote(t.getSchemaName(), p) + "." + unquote(t.getName(), p);
    }

    // ---- SELECT list ------------------------------------------------------------------------

    private List<Aggregate> selectList(PlainSelect s, List<String> groupBy) {
      List<Aggregate> aggregates = new ArrayList<>();
      Set<String> outputs = new HashSet<>();
      for (String g : groupBy) {
        outputs.add(TimeBucket.outputName(g));
      }
      int grouped = 0;
      for (SelectItem<?> item : s.getSelectItems()) {
        Expression e = item.getExpression();
        Pos p = at(e, statement);
        if (e instanceof AllColumns) {
          throw unsupported(
              p, "SELECT *", "rows never leave the room; select grouped columns and aggregates");
        }
        String name = dimension(e, p);
        if (name != null) {
          if (!aggregates.isEmpty()) {
            throw invalid(p, "grouped columns come before the aggregates in the SELECT list");
          }
          if (grouped >= groupBy.size() || !groupBy.get(grouped).equals(name)) {
            throw invalid(
                p,
                "column ["
                    + name
                    + "] is selected but not the next GROUP BY column; list the GROUP BY columns"
                    + " first, in GROUP BY order");
          }
          if (item.getAlias() != null) {
            throw unsupported(p, "an alias of a grouped column", "");
          }
          grouped++;
          continue;
        }
        Aggregate a = aggregate(e, p);
        if (item.getAlias() != null) {
          a = withAlias(a, item.getAlias(), p);
        }
        if (!outputs.add(a.alias())) {
          throw invalid(
              p,
              "output column ["
                  + a.alias()
                  + "] is named twice; give each aggregate an alias of its own");
        }
        aggregates.add(a);
      }
      if (grouped < groupBy.size()) {
        throw invalid(
            keyword(s, "GROUP", statement),
            "GROUP BY column ["
                + groupBy.get(grouped)
                + "] is not in the SELECT list; list the GROUP BY columns first, in order");
      }
      if (aggregates.isEmpty()) {
        throw invalid(
            statement,
            "a query needs at least one aggregate: COUNT(*), COUNT(DISTINCT USER_ID), SUM(metric)"
                + " or AVG(metric)");
      }
      return aggregates;
    }

    private Aggregate withAlias(Aggregate a, Alias alias, Pos p) {
      if (alias.getAliasColumns() != null && !alias.getAliasColumns().isEmpty()) {
        throw unsupported(p, "an alias with a column list", "");
      }
      try {
        return a.as(unquote(alias.getName(), p));
      } catch (IllegalArgumentException e) {
        // Not the builder's message, which repeats the alias: the text may hold a literal there.
        throw invalid(
            p,
            "an alias starts with a letter or underscore and holds only letters, digits and"
                + " underscores, at most 128");
      }
    }

    private Aggregate aggregate(Expression e, Pos p) {
      if (e instanceof AnalyticExpression x
          && x.getType() == AnalyticType.WITHIN_GROUP
          && x.getName() != null
          && x.getName().equalsIgnoreCase("PERCENTILE_DISC")) {
        return percentile(x, p);
      }
      if (e instanceof AnalyticExpression) {
        throw unsupported(p, "a window function", "");
      }
      if (!(e instanceof Function f)) {
        throw unsupported(
            p,
            construct(e),
            "the SELECT list holds GROUP BY columns and COUNT(*), COUNT(DISTINCT USER_ID),"
                + " SUM(metric) or AVG(metric)");
      }
      String fn =
          f.getMultipartName() != null && f.getMultipartName().size() > 1
              ? ""
              : f.getName().toUpperCase(Locale.ROOT);
      if (!fn.equals("COUNT")
          && !fn.equals("SUM")
          && !fn.equals("AVG")
          && !fn.equals("VAR_POP")
          && !fn.equals("STDDEV_POP")) {
        throw unsupported(
            p,
            "function " + f.getName(),
            "the aggregates are COUNT(*), COUNT(DISTINCT USER_ID), SUM(metric), AVG(metric),"
                + " VAR_POP(metric), STDDEV_POP(metric) and PERCENTILE_DISC(p) WITHIN GROUP"
                + " (ORDER BY metric)");
      }
      if (hasOptions(f)) {
        throw unsupported(p, "an option of " + fn, "");
      }
      ExpressionList<?> params = f.getParameters();
      if (fn.equals("COUNT")) {
        if (f.isAllColumns() || isStar(params)) {
          if (f.isDistinct()) {
            throw unsupported(p, "COUNT(DISTINCT *)", "count people with COUNT(DISTINCT USER_ID)");
          }
          return Dsl.count();
        }
        if (f.isDistinct()
            && params != null
            && params.size() == 1
            && params.get(0) instanceof Column c
            && c.getTable() == null
            && isUserId(c.getColumnName())) {
          return Dsl.countDistinctUsers();
        }
        throw unsupported(
            p, "this COUNT", "count rows with COUNT(*) and people with COUNT(DISTINCT USER_ID)");
      }
      if (f.isDistinct()) {
        throw unsupported(p, fn + "(DISTINCT ...)", "");
      }
      if (f.isAllColumns()
          || params == null
          || params.size() != 1
          || !(params.get(0) instanceof Column c)) {
        throw unsupported(p, "this " + fn, fn + " takes one metric column: " + fn + "(metric)");
      }
      String metric = column(c, at(c, p));
      return switch (fn) {
        case "SUM" -> Dsl.sum(metric);
        case "VAR_POP" -> Dsl.variance(metric);
        case "STDDEV_POP" -> Dsl.stddev(metric);
        default -> Dsl.avg(metric);
      };
    }

    /**
     * {@code PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY metric)}: the nearest-rank quantile, {@link
     * Dsl#quantile}, with p a number literal strictly between 0 and 1 and one metric in ascending
     * order.
     */
    private Aggregate percentile(AnalyticExpression x, Pos p) {
      String shape = "PERCENTILE_DISC(p) WITHIN GROUP (ORDER BY metric), 0 < p < 1";
      List<OrderByElement> order = x.getOrderByElements();
      if (x.isDistinct()
          || x.isUnique()
          || x.getOffset() != null
          || x.getDefaultValue() != null
          || x.getFilterExpression() != null
          || x.getKeep() != null
          || x.getWindowName() != null
          || x.getWindowElement() != null
          || x.getPartitionExpressionList() != null
          || x.getFuncOrderBy() != null
          || order == null
          || order.size() != 1
          || !order.get(0).isAsc()
          || order.get(0).getNullOrdering() != null
          || !(order.get(0).getExpression() instanceof Column c)) {
        throw unsupported(p, "this PERCENTILE_DISC", shape);
      }
      double fraction;
      if (x.getExpression() instanceof DoubleValue d) {
        fraction = d.getValue();
      } else {
        throw unsupported(p, "this PERCENTILE_DISC", shape);
      }
      if (!(fraction > 0 && fraction < 1)) {
        throw invalid(p, "PERCENTILE_DISC takes a fraction p with 0 < p < 1");
      }
      return Dsl.quantile(column(c, at(c, p)), fraction);
    }

    private static boolean isStar(ExpressionList<?> params) {
      return params != null && params.size() == 1 && params.get(0) instanceof AllColumns;
    }

    /** A column reference as the builder spells it: its parts joined by dots. */
    private String column(Column c, Pos p) {
      if (c.getArrayConstructor() != null) {
        throw unsupported(p, "an array subscript", "");
      }
      List<String> parts = new ArrayList<>();
      Table t = c.getTable();
      if (t != null) {
        if (t.getDatabase() != null && t.getDatabase().getDatabaseName() != null) {
          throw invalid(
              p,
              "a column reference has at most three parts: column, dataset.column or"
                  + " owner.dataset.column");
        }
        if (t.getSchemaName() != null) {
          parts.add(unquote(t.getSchemaName(), p));
        }
        if (t.getName() != null) {
          parts.add(unquote(t.getName(), p));
        }
      }
      parts.add(unquote(c.getColumnName(), p));
      for (String part : parts) {
        if (part.isBlank()) {
          throw invalid(p, "a column name must not be blank");
        }
      }
      return String.join(".", parts);
    }

    /**
     * A dimension as the builder names it: a column, or a time bucket {@code day(x)}, {@code
     * week(x)} or {@code month(x)} of one ({@link TimeBucket#of}); null for any other expression.
     */
    private String dimension(Expression e, Pos p) {
      if (e instanceof Column c) {
        return column(c, p);
      }
      if (e instanceof Function f
          && f.getName() != null
          && !hasOptions(f)
          && (f.getMultipartName() == null || f.getMultipartName().size() == 1)
          && !f.isDistinct()
          && !f.isAllColumns()
          && f.getParameters() != null
          && f.getParameters().size() == 1
          && f.getParameters().get(0) instanceof Column c) {
        for (TimeBucket b : TimeBucket.values()) {
          if (b.label().equalsIgnoreCase(f.getName())) {
            return b.of(column(c, at(c, p)));
          }
        }
      }
      return null;
    }

    /**
     * Whether a function call carries anything beyond its name and arguments (ORDER BY, LIMIT, an
     * attribute, an escape, null handling, ...): the compiler takes no such option, so a call with
     * one is refused rather than read without it.
     */
    private static boolean hasOptions(Function f) {
      return f.isUnique()
          || f.isIgnoreNulls()
          || f.isIgnoreNullsOutside()
          || f.getNullHandling() != null
          || f.getHavingClause() != null
          || f.getKeep() != null
          || f.getOrderByElements() != null && !f.getOrderByElements().isEmpty()
          || f.getLimit() != null
          || f.getAttribute() != null
          || f.getNamedParameters() != null
          || f.isEscaped()
          || f.getExtraKeyword() != null
          || f.getOnOverflowTruncate() != null;
    }

    // ---- GROUP BY ---------------------------------------------------------------------------

    private List<String> groupBy(PlainSelect s) {
      GroupByElement g = s.getGroupBy();
      if (g == null) {
        return List.of();
      }
      Pos p = keyword(s, "GROUP", statement);
      if (g.getGroupingSets() != null && !g.getGroupingSets().isEmpty()) {
        throw unsupported(p, "GROUPING SETS", "");
      }
      if (g.isMysqlWithRollup()) {
        throw unsupported(p, "WITH ROLLUP", "");
      }
      ExpressionList<?> list = g.getGroupByExpressionList();
      if (list == null || list.isEmpty()) {
        throw invalid(p, "GROUP BY needs at least one column");
      }
      List<String> out = new ArrayList<>();
      for (Object o : list) {
        Expression e = (Expression) o;
        Pos ep = at(e, p);
        String name = dimension(e, ep);
        if (name == null) {
          throw unsupported(
              ep,
              construct(e) + " in GROUP BY",
              "group by dimension columns by name, or by day(c), week(c) or month(c)");
        }
        if (out.contains(name)) {
          throw invalid(ep, "column [" + name + "] is grouped by twice");
        }
        out.add(name);
      }
      return out;
    }

    // ---- WITH: privacy settings -------------------------------------------------------------

    private Privacy with(PlainSelect s, List<String> groupBy) {
      List<WithItem<?>> items = s.getWithItemsList();
      if (items == null || items.isEmpty()) {
        return Privacy.THRESHOLD_ONLY;
      }
      Map<String, WithItem<?>> byName = new LinkedHashMap<>();
      for (WithItem<?> w : items) {
        Pos p = withPos(w);
        String name = unquote(w.getAliasName(), p).toLowerCase(Locale.ROOT);
        if (!name.equals(PRIVACY) && !name.equals(PUBLIC_GROUPS)) {
          throw unsupported(
              p,
              "a WITH item other than differential_privacy and public_groups",
              "the FROM clause names registered datasets only");
        }
        if (w.isRecursive() || w.isMaterialized()) {
          throw unsupported(p, "WITH RECURSIVE or MATERIALIZED", "");
        }
        if (byName.put(name, w) != null) {
          throw invalid(p, "WITH item " + name + " is given twice");
        }
      }
      WithItem<?> dpItem = byName.get(PRIVACY);
      WithItem<?> groupsItem = byName.get(PUBLIC_GROUPS);
      if (dpItem == null) {
        throw invalid(
            withPos(groupsItem),
            "public_groups needs a differential_privacy item with the budget (or give both by"
                + " the API: .epsilon(...).publicGroups(...))");
      }
      Settings settings = privacySettings(dpItem);
      Optional<List<List<Object>>> groups =
          groupsItem == null ? Optional.empty() : Optional.of(publicGroups(groupsItem, groupBy));
      try {
        return new Privacy.Differential(settings.budget(), settings.noise(), groups);
      } catch (IllegalArgumentException e) {
        throw invalid(withPos(dpItem), e.getMessage());
      }
    }

    /** Where a WITH item's name stands: WITH items come first, so its first occurrence. */
    private Pos withPos(WithItem<?> w) {
      return find(first, w.getAliasName()).orElse(statement);
    }

    private record Settings(PrivacyBudget budget, NoiseKind noise) {}

    private Settings privacySettings(WithItem<?> w) {
      Pos p = withPos(w);
      if (w.getWithItemList() != null && !w.getWithItemList().isEmpty()) {
        throw unsupported(
            p,
            "a column list on differential_privacy",
            "name each setting with AS: (SELECT 0.5 AS epsilon)");
      }
      if (w.getSelect() == null || !(w.getSelect().getSelect() instanceof PlainSelect inner)) {
        throw invalid(
            p,
            "differential_privacy is (SELECT <epsilon> AS epsilon[, <delta> AS delta][, 'GAUSSIAN'"
                + " AS noise])");
      }
      checkClauses(inner, false);
      if (inner.getFromItem() != null
          || inner.getJoins() != null && !inner.getJoins().isEmpty()
          || inner.getWhere() != null
          || inner.getGroupBy() != null) {
        throw unsupported(
            at(inner, p),
            "FROM, WHERE or GROUP BY in differential_privacy",
            "it lists settings only: (SELECT 0.5 AS epsilon)");
      }
      BigDecimal epsilon = null;
      BigDecimal delta = null;
      NoiseKind noise = NoiseKind.LAPLACE;
      Set<String> seen = new HashSet<>();
      for (SelectItem<?> item : inner.getSelectItems()) {
        Pos ip = at(item.getExpression(), p);
        if (item.getAlias() == null) {
          throw invalid(
              ip, "each differential_privacy setting is named: <value> AS epsilon, delta or noise");
        }
        String key = unquote(item.getAlias().getName(), ip).toLowerCase(Locale.ROOT);
        if (!seen.add(key)) {
          throw invalid(ip, "differential_privacy setting " + key + " is given twice");
        }
        switch (key) {
          case "epsilon" -> epsilon = decimal(item.getExpression(), ip, "epsilon");
          case "delta" -> delta = decimal(item.getExpression(), ip, "delta");
          case "noise" -> {
            if (!(item.getExpression() instanceof StringValue sv) || sv.getPrefix() != null) {
              throw invalid(ip, "noise is 'LAPLACE' or 'GAUSSIAN'");
            }
            String kind = sv.getValue().toUpperCase(Locale.ROOT);
            if (kind.equals("LAPLACE")) {
              noise = NoiseKind.LAPLACE;
            } else if (kind.equals("GAUSSIAN")) {
              noise = NoiseKind.GAUSSIAN;
            } else {
              throw invalid(ip, "noise is 'LAPLACE' or 'GAUSSIAN'");
            }
          }
          default ->
              throw invalid(
                  ip,
                  "unknown differential_privacy setting ["
                      + key
                      + "]; the settings are epsilon, delta and noise");
        }
      }
      if (epsilon == null) {
        throw invalid(p, "differential_privacy needs an epsilon: (SELECT 0.5 AS epsilon)");
      }
      try {
        PrivacyBudget budget =
            delta == null
                ? new PrivacyBudget.PureDp(epsilon)
                : new PrivacyBudget.ApproxDp(epsilon, delta);
        return new Settings(budget, noise);
      } catch (IllegalArgumentException e) {
        throw invalid(p, "differential_privacy: " + e.getMessage());
      }
    }

    /** An exact decimal literal, kept with its scale. */
    private BigDecimal decimal(Expression e, Pos p, String what) {
      String text;
      if (e instanceof LongValue l) {
        text = l.getStringValue();
      } else if (e instanceof DoubleValue d) {
        text = d.toString();
      } else {
        throw invalid(p, what + " is a positive number literal");
      }
      try {
        return new BigDecimal(text);
      } catch (NumberFormatException ex) {
        throw invalid(p, what + " is a positive number literal");
      }
    }

    private List<List<Object>> publicGroups(WithItem<?> w, List<String> groupBy) {
      Pos p = withPos(w);
      if (groupBy.isEmpty()) {
        throw invalid(p, "public_groups needs a query with GROUP BY");
      }
      List<SelectItem<?>> columns = w.getWithItemList();
      if (columns != null && !columns.isEmpty()) {
        if (columns.size() != groupBy.size()) {
          throw invalid(
              p,
              "public_groups names "
                  + columns.size()
                  + " columns; the query groups by "
                  + groupBy.size());
        }
        for (int i = 0; i < columns.size(); i++) {
          Expression e = columns.get(i).getExpression();
          Pos cp = at(e, p);
          String g = groupBy.get(i);
          if (!(e instanceof Column c)
              || c.getTable() != null
              || !unquote(c.getColumnName(), cp).equals(TimeBucket.outputName(g))) {
            throw invalid(
                cp, "the columns of public_groups are the GROUP BY columns, in GROUP BY order");
          }
        }
      }
      if (w.getSelect() == null || !(w.getSelect().getSelect() instanceof Values values)) {
        throw invalid(p, "public_groups is (VALUES (<value>, ...), ...)");
      }
      if (values.getAlias() != null
          || values.getPivot() != null
          || values.getUnPivot() != null
          || values.getSampleClause() != null) {
        throw unsupported(p, "an option of VALUES", "");
      }
      List<List<Object>> groups = new ArrayList<>();
      ExpressionList<?> rows = values.getExpressions();
      if (rows == null || rows.isEmpty()) {
        throw invalid(p, "public_groups needs at least one group");
      }
      // One row in parentheses, (v1, v2), holds as many values as there are columns: for one
      // column it is not two groups (those are written VALUES (v1), (v2) or VALUES v1, v2).
      if (groupBy.size() == 1
          && rows instanceof ParenthesedExpressionList
          && rows.size() > 1
          && rows.stream().noneMatch(r -> r instanceof ParenthesedExpressionList)) {
        throw invalid(
            p,
            "public_groups has one column; the row ("
                + rows.size()
                + " values) holds more: write each group as its own row, VALUES (v1), (v2)");
      }
      // The parser hands back the values of a lone row of several values as the rows themselves.
      boolean loneRow =
          groupBy.size() > 1
              && rows.stream().noneMatch(r -> r instanceof ParenthesedExpressionList);
      if (loneRow) {
        List<Object> key = new ArrayList<>();
        for (Object v : rows) {
          key.add(literal((Expression) v, at(v, p), false));
        }
        groups.add(checkedKey(key, groupBy, p));
        rows = new ExpressionList<>();
      }
      for (Object o : rows) {
        Expression row = (Expression) o;
        Pos rp = at(row, p);
        List<Object> key = new ArrayList<>();
        if (row instanceof ParenthesedExpressionList<?> list) {
          for (Object v : list) {
            key.add(literal((Expression) v, at(v, rp), false));
          }
        } else {
          key.add(literal(row, rp, false));
        }
        groups.add(checkedKey(key, groupBy, rp));
      }
      return List.copyOf(groups);
    }

    private List<Object> checkedKey(List<Object> key, List<String> groupBy, Pos p) {
      if (key.size() != groupBy.size()) {
        throw invalid(
            p,
            "every public group has one value per GROUP BY column ("
                + groupBy.size()
                + "); this one has "
                + key.size());
      }
      return List.copyOf(key);
    }

    // ---- WHERE ------------------------------------------------------------------------------

    private List<Condition> where(PlainSelect s) {
      Expression w = s.getWhere();
      if (w == null) {
        return List.of();
      }
      List<Condition> out = new ArrayList<>();
      for (Expression e : chain(w, AndExpression.class)) {
        out.add(condition(e, keyword(s, "WHERE", statement)));
      }
      return out;
    }

    /**
     * The operands of a chain of one binary operator that parentheses do not interrupt, in order;
     * iterative, so long chains cannot exhaust the stack.
     */
    private static List<Expression> chain(Expression e, Class<? extends BinaryExpression> op) {
      List<Expression> out = new ArrayList<>();
      Deque<Expression> todo = new ArrayDeque<>();
      todo.push(e);
      while (!todo.isEmpty()) {
        Expression x = regroupIn(todo.pop());
        if (op.isInstance(x)) {
          BinaryExpression b = (BinaryExpression) x;
          todo.push(b.getRightExpression());
          todo.push(b.getLeftExpression());
        } else {
          out.add(x);
        }
      }
      return out;
    }

    /**
     * Undoes a grouping of the parser, which reads {@code a IN (1, 2) AND b = 3} as {@code a IN
     * ((1, 2) AND b = 3)}: the list is the leftmost operand of the expression after IN, so the IN
     * is moved down to take its place, giving the standard {@code (a IN (1, 2)) AND b = 3}. Any
     * other expression is returned as it is.
     */
    private static Expression regroupIn(Expression e) {
      Expression x = e;
      while (x instanceof InExpression in
          && in.getRightExpression() instanceof BinaryExpression root) {
        BinaryExpression parent = root;
        while (parent.getLeftExpression() instanceof BinaryExpression b) {
          parent = b;
        }
        if (!(parent.getLeftExpression() instanceof ExpressionList<?> list)) {
          return x;
        }
        InExpression regrouped = new InExpression(in.getLeftExpression(), list);
        regrouped.setNot(in.isNot());
        regrouped.setGlobal(in.isGlobal());
        regrouped.setASTNode(in.getASTNode());
        parent.setLeftExpression(regrouped);
        x = root;
      }
      return x;
    }

    private Condition condition(Expression original, Pos fallback) {
      Pos p = at(original, fallback);
      Expression e = regroupIn(original);
      if (e instanceof ParenthesedExpressionList<?> list) {
        if (list.size() != 1) {
          throw unsupported(p, "a row value", "");
        }
        return condition((Expression) list.get(0), p);
      }
      if (e instanceof AndExpression) {
        return new Condition.And(conditions(chain(e, AndExpression.class), p));
      }
      if (e instanceof OrExpression) {
        return new Condition.Or(conditions(chain(e, OrExpression.class), p));
      }
      if (e instanceof NotExpression not) {
        Expression operand = regroupIn(not.getExpression());
        if (operand instanceof AndExpression
            || operand instanceof OrExpression
            || operand instanceof XorExpression) {
          throw invalid(
              p,
              "NOT before AND or OR without parentheses is ambiguous; write NOT (...) around what"
                  + " it negates");
        }
        return new Condition.Not(condition(operand, p));
      }
      if (e instanceof InExpression in) {
        return in(in, p);
      }
      if (e instanceof Between between) {
        return between(between, p);
      }
      Condition.Op op = operator(e);
      if (op != null) {
        return comparison((BinaryExpression) e, op, p);
      }
      throw unsupported(
          p,
          construct(e) + " in WHERE",
          "conditions compare a column with literals (=, <>, <, <=, >, >=, IN, BETWEEN) and"
              + " combine them with AND, OR and NOT");
    }

    private List<Condition> conditions(List<Expression> operands, Pos p) {
      List<Condition> out = new ArrayList<>();
      for (Expression o : operands) {
        out.add(condition(o, p));
      }
      return out;
    }

    private static Condition.Op operator(Expression e) {
      if (e instanceof EqualsTo) {
        return Condition.Op.EQ;
      }
      if (e instanceof NotEqualsTo) {
        return Condition.Op.NE;
      }
      if (e instanceof MinorThan) {
        return Condition.Op.LT;
      }
      if (e instanceof MinorThanEquals) {
        return Condition.Op.LE;
      }
      if (e instanceof GreaterThan) {
        return Condition.Op.GT;
      }
      if (e instanceof GreaterThanEquals) {
        return Condition.Op.GE;
      }
      return null;
    }

    private static Condition.Op flip(Condition.Op op) {
      return switch (op) {
        case LT -> Condition.Op.GT;
        case LE -> Condition.Op.GE;
        case GT -> Condition.Op.LT;
        case GE -> Condition.Op.LE;
        default -> op;
      };
    }

    private Condition comparison(BinaryExpression b, Condition.Op op, Pos p) {
      if (b
              instanceof
              net.sf.jsqlparser.expression.operators.relational.OldOracleJoinBinaryExpression o
          && o.getOldOracleJoinSyntax() != 0) {
        throw unsupported(p, "an Oracle (+) join", "");
      }
      Expression left = b.getLeftExpression();
      Expression right = b.getRightExpression();
      String leftName = dimension(left, at(left, p));
      String rightName = dimension(right, at(right, p));
      if (leftName != null) {
        return new Condition.Comparison(leftName, op, comparand(right, at(right, p)));
      }
      if (rightName != null) {
        return new Condition.Comparison(rightName, flip(op), comparand(left, at(left, p)));
      }
      for (Expression side : List.of(left, right)) {
        if (side instanceof Function) {
          throw unsupported(
              at(side, p),
              construct(side),
              "compare a column or day(c), week(c), month(c) with a literal");
        }
      }
      throw unsupported(
          p, "a comparison without a column", "compare a column with a literal or :parameter");
    }

    /**
     * The right side of a comparison: another column, or one plus or minus an {@code INTERVAL 'n'
     * unit} ({@link ColumnOffset}), else a literal or parameter ({@link #operand}).
     */
    private Object comparand(Expression e, Pos p) {
      if (e instanceof Column c) {
        return new ColumnOffset(column(c, p), Duration.ZERO);
      }
      if ((e instanceof Addition || e instanceof Subtraction)
          && ((BinaryExpression) e).getLeftExpression() instanceof Column c) {
        Expression amount = ((BinaryExpression) e).getRightExpression();
        if (!(amount instanceof IntervalExpression interval)) {
          throw unsupported(
              at(amount, p),
              construct(amount) + " added to a column",
              "add or subtract INTERVAL 'n' DAY (or HOUR, MINUTE, SECOND, MILLISECOND,"
                  + " MICROSECOND)");
        }
        Duration d = interval(interval, at(amount, p));
        return new ColumnOffset(column(c, at(c, p)), e instanceof Subtraction ? d.negated() : d);
      }
      return operand(e, p);
    }

    /** {@code INTERVAL 'n' unit}, n a whole number, as a duration. */
    private Duration interval(IntervalExpression x, Pos p) {
      String raw = x.getParameter();
      if (raw == null || x.getExpression() != null || x.getIntervalType() == null) {
        throw unsupported(p, "this interval", "write INTERVAL 'n' DAY");
      }
      String digits =
          raw.startsWith("'") && raw.endsWith("'") && raw.length() >= 2
              ? raw.substring(1, raw.length() - 1).strip()
              : raw.strip();
      if (!digits.matches("-?[0-9]{1,18}")) {
        throw invalid(p, "an interval is a whole number of one unit: INTERVAL '7' DAY");
      }
      long n = Long.parseLong(digits);
      java.time.temporal.ChronoUnit unit =
          switch (x.getIntervalType().toUpperCase(Locale.ROOT)) {
            case "DAY" -> java.time.temporal.ChronoUnit.DAYS;
            case "HOUR" -> java.time.temporal.ChronoUnit.HOURS;
            case "MINUTE" -> java.time.temporal.ChronoUnit.MINUTES;
            case "SECOND" -> java.time.temporal.ChronoUnit.SECONDS;
            case "MILLISECOND" -> java.time.temporal.ChronoUnit.MILLIS;
            case "MICROSECOND" -> java.time.temporal.ChronoUnit.MICROS;
            default ->
                throw unsupported(
                    p,
                    "an interval of another unit",
                    "use DAY, HOUR, MINUTE, SECOND, MILLISECOND or MICROSECOND");
          };
      try {
        return Duration.of(n, unit);
      } catch (ArithmeticException ex) {
        throw invalid(p, "an interval too long for a time offset");
      }
    }

    private Condition in(InExpression in, Pos p) {
      if (in.isGlobal() || in.getOldOracleJoinSyntax() != 0 || in.getOraclePriorPosition() != 0) {
        throw unsupported(p, "this IN", "");
      }
      String column = dimension(in.getLeftExpression(), at(in.getLeftExpression(), p));
      if (column == null) {
        throw unsupported(
            p, construct(in.getLeftExpression()) + " before IN", "write column IN (values)");
      }
      Expression right = in.getRightExpression();
      if (right instanceof ParenthesedSelect) {
        throw unsupported(at(right, p), "a subquery", "write column IN (literal, ...)");
      }
      if (!(right instanceof ExpressionList<?> list) || list.isEmpty()) {
        throw unsupported(at(right, p), construct(right) + " after IN", "write column IN (values)");
      }
      List<Object> values = new ArrayList<>();
      for (Object v : list) {
        values.add(operand((Expression) v, at(v, p)));
      }
      Condition cond = new Condition.In(column, values);
      return in.isNot() ? new Condition.Not(cond) : cond;
    }

    private Condition between(Between b, Pos p) {
      String name = dimension(b.getLeftExpression(), at(b.getLeftExpression(), p));
      if (name == null) {
        throw unsupported(
            p,
            construct(b.getLeftExpression()) + " before BETWEEN",
            "write column BETWEEN a AND b");
      }
      Object low = comparand(b.getBetweenExpressionStart(), at(b.getBetweenExpressionStart(), p));
      Object high = comparand(b.getBetweenExpressionEnd(), at(b.getBetweenExpressionEnd(), p));
      Condition cond =
          new Condition.And(
              List.of(
                  new Condition.Comparison(name, Condition.Op.GE, low),
                  new Condition.Comparison(name, Condition.Op.LE, high)));
      return b.isNot() ? new Condition.Not(cond) : cond;
    }

    /** A literal or a template parameter. */
    private Object operand(Expression e, Pos p) {
      return literal(e, p, true);
    }

    private Object literal(Expression e, Pos p, boolean parameters) {
      if (e instanceof JdbcNamedParameter named) {
        if (!parameters) {
          throw unsupported(p, "a parameter here", "give public groups as literals");
        }
        String name = named.getName();
        if (name == null || name.isBlank()) {
          throw invalid(p, "a parameter needs a name: :name");
        }
        return new Placeholder(name);
      }
      if (e instanceof JdbcParameter) {
        throw unsupported(p, "a positional parameter ?", "name template parameters: :campaign");
      }
      if (e instanceof StringValue s) {
        if (s.getPrefix() != null) {
          throw unsupported(p, "a string literal with a prefix", "write a plain 'string'");
        }
        return s.getValue().replace("''", "'");
      }
      if (e instanceof BooleanValue truth) {
        return truth.getValue();
      }
      if (e instanceof DateTimeLiteralExpression dt) {
        String raw = dt.getValue();
        if (raw == null || raw.length() < 2 || raw.charAt(0) != '\'' || !raw.endsWith("'")) {
          throw invalid(p, "a DATE or TIMESTAMP literal needs its value in quotes");
        }
        return timeLiteral(dt.getType().name(), raw.substring(1, raw.length() - 1), p);
      }
      if (e instanceof CastExpression cast
          && cast.isImplicitCast()
          && cast.getLeftExpression() instanceof StringValue value
          && value.getPrefix() == null
          && cast.getColDataType() != null
          && cast.getColDataType().getArgumentsStringList() == null) {
        // DATE 'YYYY-MM-DD' and TIMESTAMP '...', which the parser reads as typed literals.
        String type = cast.getColDataType().getDataType().toUpperCase(Locale.ROOT);
        if (type.equals("DATE") || type.equals("TIMESTAMP")) {
          return timeLiteral(type, value.getValue(), p);
        }
      }
      boolean negative = false;
      Expression number = e;
      if (e instanceof SignedExpression signed) {
        char sign = signed.getSign();
        if (sign != '-' && sign != '+') {
          throw unsupported(p, "the operator " + sign, "");
        }
        negative = sign == '-';
        number = signed.getExpression();
      }
      if (number instanceof LongValue l) {
        BigInteger v = new BigInteger(l.getStringValue());
        if (negative) {
          v = v.negate();
        }
        if (v.bitLength() > 63) {
          throw invalid(p, "a whole number outside the range of a 64-bit integer");
        }
        return v.longValue();
      }
      if (number instanceof DoubleValue d) {
        double v;
        try {
          v = Double.parseDouble(d.toString());
        } catch (NumberFormatException ex) {
          throw invalid(p, "a number that cannot be read");
        }
        if (!Double.isFinite(v)) {
          throw invalid(p, "a number outside the range of a double");
        }
        return negative ? -v : v;
      }
      throw unsupported(
          p,
          construct(e),
          "values are string literals, numbers, DATE or TIMESTAMP literals"
              + (parameters ? " or template parameters such as :campaign" : ""));
    }
  }

  /**
   * {@code DATE 'YYYY-MM-DD'} as a {@link java.time.LocalDate}, {@code TIMESTAMP 'YYYY-MM-DD
   * HH:MM:SS[.ffffff]'} (UTC; a {@code T} for the space and an offset such as {@code Z} are read
   * too) as an {@link java.time.Instant}, read as the engine reads ISO-8601 values ({@link
   * TypedValues.TextFormat#iso}). Messages never hold the text.
   */
  private static Object timeLiteral(String type, String value, Pos p) {
    String text = value.strip().isEmpty() ? "-" : value.strip();
    switch (type) {
      case "DATE" -> {
        TypedValues.Parsed v = TypedValues.TextFormat.iso(ColumnType.DATE).parse(text);
        if (!v.ok()) {
          throw invalid(p, "a DATE literal that is not a day of the years 1 to 9999 as YYYY-MM-DD");
        }
        return java.time.LocalDate.ofEpochDay(v.value());
      }
      case "TIMESTAMP" -> {
        String iso =
            text.length() > 10 && text.charAt(10) == ' '
                ? text.substring(0, 10) + "T" + text.substring(11)
                : text;
        TypedValues.Parsed v = TypedValues.TextFormat.iso(ColumnType.TIMESTAMP).parse(iso);
        if (!v.ok()) {
          throw invalid(
              p,
              "a TIMESTAMP literal that is not an instant of the years 1 to 9999 as YYYY-MM-DD"
                  + " HH:MM:SS with at most six digits of a second");
        }
        return TypedValues.instant(v.value());
      }
      default -> throw unsupported(p, "a " + type + " literal", "use DATE or TIMESTAMP literals");
    }
  }

  /** A short name of an expression's kind, for messages; never its text. */
  static String construct(Object e) {
    if (e instanceof ParenthesedSelect) {
      return "a subquery";
    }
    if (e instanceof ExistsExpression) {
      return "EXISTS";
    }
    if (e instanceof NullValue) {
      return "NULL";
    }
    if (e instanceof IsNullExpression) {
      return "IS NULL";
    }
    if (e instanceof IsBooleanExpression) {
      return "IS TRUE or IS FALSE";
    }
    if (e instanceof LikeExpression) {
      return "LIKE";
    }
    if (e instanceof CaseExpression) {
      return "CASE";
    }
    if (e instanceof CastExpression) {
      return "CAST";
    }
    if (e instanceof AnalyticExpression) {
      return "a window function";
    }
    if (e instanceof Function f) {
      return "function " + f.getName();
    }
    if (e instanceof XorExpression) {
      return "XOR";
    }
    if (e instanceof Addition
        || e instanceof Subtraction
        || e instanceof Multiplication
        || e instanceof Division
        || e instanceof Concat) {
      return "arithmetic";
    }
    if (e instanceof DateValue || e instanceof TimeValue || e instanceof TimestampValue) {
      return "a date or time literal";
    }
    if (e instanceof IntervalExpression) {
      return "an interval";
    }
    if (e instanceof HexValue) {
      return "a hexadecimal literal";
    }
    if (e instanceof AllValue) {
      return "ALL";
    }
    if (e instanceof Column) {
      return "a column";
    }
    if (e instanceof StringValue || e instanceof LongValue || e instanceof DoubleValue) {
      return "a literal";
    }
    if (e instanceof NotExpression) {
      return "NOT";
    }
    if (e instanceof ParenthesedExpressionList<?>) {
      return "a parenthesized list";
    }
    String name = e == null ? "nothing" : e.getClass().getSimpleName();
    return "the expression kind " + name;
  }
}
