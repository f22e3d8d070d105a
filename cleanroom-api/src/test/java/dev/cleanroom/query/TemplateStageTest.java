package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.param;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateStageTest {
  private final CapturingEngine engine = new CapturingEngine();

  @Test
  void with_collectsValues_withoutChangingEarlierStages() {
    TemplateStage start = QueryStart.of(engine, "a").template("t");
    TemplateStage one = start.with("campaign", 7);
    TemplateStage two = one.with("country", "DE");
    assertEquals(new TemplateCall("a", "t", Map.of()), start.call());
    assertEquals(Map.of("campaign", 7L), one.call().values());
    assertEquals(Map.of("campaign", 7L, "country", "DE"), two.call().values());
    assertEquals("a", two.call().analyst());
    assertEquals("t", two.call().templateId());
  }

  @Test
  void everyPublicMethod_rejectsNull() {
    NullPointerTester tester = new NullPointerTester().setDefault(String.class, "p");
    tester.testAllPublicInstanceMethods(QueryStart.of(engine, "a").template("t"));
    tester.testAllPublicConstructors(TemplateCall.class);
    tester.testAllPublicConstructors(Placeholder.class);
  }

  @Test
  void aParameterGivenTwice_isRejected() {
    TemplateStage one = QueryStart.of(engine, "a").template("t").with("campaign", 7);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> one.with("campaign", "x"));
    assertTrue(e.getMessage().contains("[campaign]"), e.getMessage());
  }

  @Test
  void nulls_areRejected() {
    TemplateStage start = QueryStart.of(engine, "a").template("t");
    assertThrows(NullPointerException.class, () -> start.with(null, 1));
    assertThrows(NullPointerException.class, () -> start.with("p", (String) null));
    assertThrows(NullPointerException.class, () -> QueryStart.of(engine, "a").template(null));
  }

  @Test
  void templateCall_acceptsOnlyTextAndWholeNumbers_andHidesValues() {
    Map<String, Object> bad = new HashMap<>();
    bad.put("p", 1.5);
    assertThrows(IllegalArgumentException.class, () -> new TemplateCall("a", "t", bad));
    TemplateCall call = new TemplateCall("a", "t", Map.of("country", "SECRET", "n", 424242L));
    assertFalse(call.toString().contains("SECRET"), call.toString());
    assertFalse(call.toString().contains("424242"), call.toString());
    assertTrue(call.toString().contains("country"), call.toString());
  }

  @Test
  void engineWithoutTemplates_refuses() {
    TemplateStage stage = QueryStart.of(engine, "a").template("t");
    assertThrows(UnsupportedOperationException.class, stage::run);
    assertThrows(UnsupportedOperationException.class, stage::explain);
  }

  @Test
  void parameterComparisons_holdThePlaceholder_andHideItsName() {
    Placeholder p = param("campaign");
    for (Condition c :
        List.of(
            col("x").eq(p),
            col("x").ne(p),
            col("x").lt(p),
            col("x").le(p),
            col("x").gt(p),
            col("x").ge(p))) {
      assertEquals(p, ((Condition.Comparison) c).value());
      assertEquals(List.of("campaign"), c.placeholders());
      assertEquals(List.of("x"), c.columns());
    }
    assertEquals(List.of(), col("x").eq(1L).placeholders());
    assertThrows(IllegalArgumentException.class, () -> param(" "));
    assertThrows(NullPointerException.class, () -> param(null));
  }
}
