package dev.cleanroom.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.ColumnType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Export survives hostile column names and values: quotes, commas, line breaks, any Unicode. */
class ResultExportProperties {
  private static Result result(List<String> names, List<String> values) {
    List<ResultColumn> columns = new ArrayList<>();
    for (String n : names) {
      columns.add(new ResultColumn(n, ColumnType.STRING, false));
    }
    columns.add(new ResultColumn("n", ColumnType.LONG, true));
    List<Object> row = new ArrayList<>(values);
    row.add(42L);
    List<Object> row2 = new ArrayList<>(values.subList(1, values.size()));
    row2.add(values.get(0));
    row2.add(-1L);
    return new Result(
        "q", columns, List.of(new ResultRow(columns, row), new ResultRow(columns, row2)));
  }

  @Property
  void csv_roundTripsThroughAStrictParser(
      @ForAll @Size(3)
          List<
                  @StringLength(max = 12) @Chars({'"', ',', '\n', '\r', ' ', '\\'})
                  @CharRange(from = '\u0000', to = '\u001f') @CharRange(from = 'a', to = 'c')
                  @CharRange(from = '\u00e0', to = '\u00ff')
                  @CharRange(from = '\ud800', to = '\udfff') String>
              names,
      @ForAll @Size(3)
          List<
                  @StringLength(max = 12) @Chars({'"', ',', '\n', '\r', ' ', '\t'})
                  @CharRange(from = '\u0000', to = '\uffff') String>
              values) {
    Result r = result(names, values);
    List<List<String>> csv = TestCsv.parse(r.toCsv());
    assertEquals(3, csv.size());
    List<String> header = new ArrayList<>(names);
    header.addAll(List.of("n", "privacy.epsilon", "privacy.delta"));
    assertEquals(header, csv.get(0));
    List<String> first = new ArrayList<>(values);
    first.addAll(List.of("42", "0", "0"));
    assertEquals(first, csv.get(1));
    assertEquals("-1", csv.get(2).get(3));
  }

  @Property
  @SuppressWarnings("unchecked")
  void json_roundTripsThroughAStrictParser(
      @ForAll @Size(3)
          List<
                  @StringLength(max = 12) @Chars({'"', '\\', '/', '\n', '\u2028'})
                  @CharRange(from = '\u0000', to = '\u001f')
                  @CharRange(from = '\ud800', to = '\udfff') @CharRange(from = 'x', to = 'z')
                  String>
              names,
      @ForAll @Size(3)
          List<@StringLength(max = 12) @CharRange(from = '\u0000', to = '\uffff') String> values) {
    Result r = result(names, values);
    Map<String, Object> json = (Map<String, Object>) TestJson.parse(r.toJson());
    List<Object> columns = (List<Object>) json.get("columns");
    for (int i = 0; i < names.size(); i++) {
      assertEquals(names.get(i), ((Map<String, Object>) columns.get(i)).get("name"));
    }
    Map<String, Object> row = (Map<String, Object>) ((List<Object>) json.get("rows")).get(0);
    assertEquals(values, ((List<Object>) row.get("values")).subList(0, 3));
  }

  @Property
  void table_hasOneLinePerRow(
      @ForAll @Size(3)
          List<@StringLength(max = 12) @CharRange(from = '\u0000', to = '\uffff') String> values) {
    Result r = result(List.of("a", "b", "c"), values);
    assertEquals(4, r.toTable().split("\n", -1).length - 1, r.toTable());
  }
}
