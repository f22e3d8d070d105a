package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExceptionsTest {
  @Test
  void policyViolation_message_namesDatasetOwnerAndRule() {
    PolicyViolationException e =
        new PolicyViolationException(
            "publisher.impressions", "publisher", PolicyRule.COLUMN_NOT_BLOCKED, "column [email]");
    assertEquals("publisher.impressions", e.dataset());
    assertEquals("publisher", e.owner());
    assertEquals(PolicyRule.COLUMN_NOT_BLOCKED, e.rule());
    assertTrue(e.getMessage().contains("publisher.impressions"), e.getMessage());
    assertTrue(e.getMessage().contains("COLUMN_NOT_BLOCKED"), e.getMessage());
    assertTrue(e.getMessage().contains("column [email]"), e.getMessage());
    assertInstanceOf(CleanRoomException.class, e);
  }

  @Test
  void policyViolation_nullArgument_isRejected() {
    assertThrows(
        NullPointerException.class,
        () -> new PolicyViolationException(null, "o", PolicyRule.JOIN_ALLOWED, "r"));
    assertThrows(
        NullPointerException.class, () -> new PolicyViolationException("d", "o", null, "r"));
  }

  @Test
  void dataSource_withLineAndColumn_describesBoth() {
    IOException cause = new IOException("disk");
    DataSourceException e = new DataSourceException("a.csv", 12, "revenue", "not a number", cause);
    assertEquals("data source a.csv, line 12, column [revenue]: not a number", e.getMessage());
    assertEquals(OptionalLong.of(12), e.line());
    assertEquals("revenue", e.column());
    assertEquals("a.csv", e.source());
    assertSame(cause, e.getCause());
  }

  @Test
  void dataSource_withoutLine_omitsIt() {
    DataSourceException e = new DataSourceException("a.csv", "cannot open", null);
    assertEquals("data source a.csv: cannot open", e.getMessage());
    assertEquals(OptionalLong.empty(), e.line());
    assertEquals("", e.column());
  }

  @Test
  void invalidQuery_isCleanRoomException() {
    assertInstanceOf(CleanRoomException.class, new InvalidQueryException("bad"));
  }

  @Test
  void internalError_isAssertionError() {
    Throwable t = new CleanRoomInternalError("broken");
    assertInstanceOf(AssertionError.class, t);
    assertEquals("broken", t.getMessage());
  }
}
