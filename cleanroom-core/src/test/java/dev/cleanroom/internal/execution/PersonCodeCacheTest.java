package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.common.testing.GcFinalization;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.ColumnarSource;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The person codes of resident sources are kept while a room with their key lives, shared by the
 * rooms with that key, and no longer: a host that builds rooms with new keys over long-lived
 * sources does not keep the codes of the rooms it dropped (it used to, until its heap ran out).
 */
class PersonCodeCacheTest {
  private final ColumnarSource visits =
      ColumnarSource.builder("visits", LoadedIdsProperties.VISITS, 6)
          .strings("uid", new String[] {"u1", "u2", "u3"}, new int[] {0, 1, 2, 0, 1, 2})
          .longs("campaign", new long[] {1, 1, 1, 2, 2, 2})
          .build();
  private final ColumnarSource orders =
      ColumnarSource.builder("orders", LoadedIdsProperties.ORDERS, 3)
          .strings("uid", new String[] {"u1", "u2", "u3"}, new int[] {0, 1, 2})
          .doubles("value", new double[] {1, 2, 3})
          .build();

  @Test
  void roomsWithOneKey_shareOneCache_andItsCodes() {
    SecretKey key = SecretKey.random();
    CleanRoom first = room(key);
    CleanRoom second = room(key);
    Result a = query(first);
    PersonCodeCache cache = PersonCodeCache.of(Pseudonymizer.of(key));
    assertEquals(2, cache.sizeForTesting(), "the codes of both sources");
    Result b = query(second);
    assertEquals(a.rows(), b.rows());
    assertSame(cache, PersonCodeCache.of(Pseudonymizer.of(key)));
    assertEquals(2, cache.sizeForTesting(), "the second room made no codes of its own");
  }

  @Test
  void codesOfAKey_goWithItsLastRoom() {
    SecretKey key = SecretKey.random();
    CleanRoom room = room(key);
    query(room);
    WeakReference<PersonCodeCache> cache =
        new WeakReference<>(PersonCodeCache.of(Pseudonymizer.of(key)));
    assertEquals(2, cache.get().sizeForTesting());
    room = null; // the only room with this key
    GcFinalization.awaitClear(cache);
    assertEquals(
        0,
        PersonCodeCache.of(Pseudonymizer.of(key)).sizeForTesting(),
        "a room built later with the key starts without codes");
  }

  @Test
  void codesAreMadeOncePerVersionColumnKindAndSource_andANewVersionReplacesTheOld() {
    PersonCodeCache cache = PersonCodeCache.of(Pseudonymizer.of(SecretKey.random()));
    AtomicInteger made = new AtomicInteger();
    java.util.function.Supplier<ColumnarExecutor.Ids> make =
        () -> {
          made.incrementAndGet();
          return new ColumnarExecutor.Ids(new int[0], new long[0], 0, p -> "", null, null);
        };
    ColumnarExecutor.Ids v1 = cache.get(visits, "v1", "uid", UserIdFormat.RAW, false, make);
    assertSame(v1, cache.get(visits, "v1", "uid", UserIdFormat.RAW, false, make));
    assertEquals(1, made.get());
    cache.get(visits, "v1", "uid", UserIdFormat.RAW, true, make); // pseudonyms: another kind
    cache.get(visits, "v1", "uid", UserIdFormat.EMAIL, false, make); // another format
    cache.get(orders, "v1", "uid", UserIdFormat.RAW, false, make); // another source
    cache.get(visits, "v1", "other", UserIdFormat.RAW, false, make); // another column
    assertEquals(5, made.get());
    assertEquals(5, cache.sizeForTesting());
    ColumnarExecutor.Ids v2 = cache.get(visits, "v2", "uid", UserIdFormat.RAW, false, make);
    assertEquals(6, made.get());
    assertEquals(5, cache.sizeForTesting(), "version v2's codes replaced v1's");
    assertSame(v2, cache.get(visits, "v2", "uid", UserIdFormat.RAW, false, make));
    cache.get(visits, "v1", "uid", UserIdFormat.RAW, false, make);
    assertEquals(7, made.get(), "v1's codes were not kept");
  }

  private CleanRoom room(SecretKey key) {
    return LoadedIdsProperties.room(key, visits, orders);
  }

  private static Result query(CleanRoom room) {
    return LoadedIdsProperties.query(room, ExecutionPath.Kind.COLUMNAR);
  }
}
