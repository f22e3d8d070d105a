package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SourceThrowableTest {
  /** Throws a checked exception without declaring it, as Kotlin or Lombok code does. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  @ParameterizedTest
  @ValueSource(strings = {"checked", "error"})
  void sourceFailure_carriesNoRawId_andIsAudited(String kind) {
    Throwable failure =
        kind.equals("checked")
            ? new IOException("cannot read row of leak42@example.com")
            : new AssertionError("cannot read row of leak42@example.com");
    DataSource inner = Fixtures.impsSource(List.of());
    DataSource source =
        new DataSource() {
          @Override
          public String name() {
            return "failing";
          }

          @Override
          public Schema schema() {
            return inner.schema();
          }

          @Override
          public Scan scan(ScanRequest request) {
            throw SourceThrowableTest.<RuntimeException>sneaky(failure);
          }
        };
    Fixtures.CollectingSink sink = new Fixtures.CollectingSink();
    CleanRoom room = CleanRoom.builder().auditSink(sink).build();
    room.register(Fixtures.imps(source, Fixtures.policy("email", 2, 1, 1)));

    Throwable thrown =
        assertThrows(
            Throwable.class,
            () -> room.as("analyst").from("pub.imps").select(countDistinctUsers()).run());
    assertFalse(NoLeakProperties.text(thrown).contains("leak42"), NoLeakProperties.text(thrown));
    assertInstanceOf(QueryFailedException.class, thrown);
    assertEquals(1, sink.events.size(), "one audit event per query");
  }
}
