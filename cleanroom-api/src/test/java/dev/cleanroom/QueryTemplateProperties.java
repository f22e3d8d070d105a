package dev.cleanroom;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.param;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cleanroom.query.QuerySpec;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;

class QueryTemplateProperties {
  private static QueryTemplate template(String literal, long min, long max, String allowed) {
    QuerySpec spec =
        new QuerySpec(
            "advertiser",
            List.of("p.x"),
            List.of(col("a").eq(literal), col("b").ge(param("low")), col("c").eq(param("text"))),
            List.of(),
            List.of(count()));
    return QueryTemplate.of(
        "t", spec, Param.longParam("low", min, max), Param.textParam("text", Set.of(allowed)));
  }

  @Property
  void equalTemplates_haveEqualHashes(
      @ForAll String literal, @ForAll long a, @ForAll long b, @ForAll String allowed) {
    long min = Math.min(a, b);
    long max = Math.max(a, b);
    assertEquals(
        template(literal, min, max, allowed).contentHash(),
        template(new String(literal.toCharArray()), min, max, allowed).contentHash());
  }

  @Property
  void anyChangeOfALiteral_changesTheHash(
      @ForAll String literal, @ForAll @AlphaChars @StringLength(min = 1, max = 3) String extra) {
    assertNotEquals(
        template(literal, 0, 1, "x").contentHash(),
        template(literal + extra, 0, 1, "x").contentHash());
  }

  @Property
  void anyChangeOfABound_changesTheHash(@ForAll long a, @ForAll long b) {
    long min = Math.min(a, b);
    long max = Math.max(a, b);
    if (max == Long.MAX_VALUE) {
      return;
    }
    assertNotEquals(
        template("l", min, max, "x").contentHash(), template("l", min, max + 1, "x").contentHash());
  }
}
