package dev.cleanroom.query;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.PolicyRule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExplanationTest {
  private static final QuerySpec SPEC =
      new QuerySpec(
          "adv", List.of("p.x"), List.of(col("c").eq("SECRET")), List.of("c"), List.of(count()));

  private static PolicyCheck check(PolicyRule rule, boolean passed) {
    return new PolicyCheck("p.x", "p", rule, passed, "checked " + rule);
  }

  @Test
  void allowed_whenEveryCheckPasses() {
    Explanation e =
        new Explanation(
            SPEC,
            List.of("scan p.x"),
            List.of(
                check(PolicyRule.ANALYST_ALLOWED, true), check(PolicyRule.DIMENSION_ALLOWED, true)),
            50,
            1,
            1);
    assertTrue(e.allowed());
    assertEquals(List.of(), e.failures());
    assertTrue(e.toString().contains("would run"), e.toString());
  }

  @Test
  void refused_whenAnyCheckFails() {
    PolicyCheck failed = check(PolicyRule.COLUMN_NOT_BLOCKED, false);
    Explanation e =
        new Explanation(
            SPEC, List.of(), List.of(check(PolicyRule.ANALYST_ALLOWED, true), failed), 50, 1, 1);
    assertFalse(e.allowed());
    assertEquals(List.of(failed), e.failures());
    String s = e.toString();
    assertTrue(s.contains("would be refused"), s);
    assertTrue(s.contains("FAIL p.x (p) COLUMN_NOT_BLOCKED"), s);
    assertTrue(s.contains("k=50"), s);
    assertFalse(s.contains("SECRET"), s);
  }

  @Test
  void lists_areCopied() {
    List<String> plan = new ArrayList<>(List.of("scan"));
    Explanation e = new Explanation(SPEC, plan, List.of(), 2, 1, 1);
    plan.add("more");
    assertEquals(List.of("scan"), e.plan());
    assertThrows(UnsupportedOperationException.class, () -> e.checks().add(null));
  }

  @Test
  void policyCheck_toString_showsOutcome() {
    assertEquals(
        "PASS p.x (p) JOIN_ALLOWED: checked JOIN_ALLOWED",
        check(PolicyRule.JOIN_ALLOWED, true).toString());
    assertThrows(
        NullPointerException.class, () -> new PolicyCheck("p.x", "p", null, true, "detail"));
  }
}
