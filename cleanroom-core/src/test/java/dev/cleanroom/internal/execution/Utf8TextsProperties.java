package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A dictionary held as UTF-8 bytes in parts ({@link ResidentColumns.Utf8Texts}) gives back every
 * value by its code, whatever the text (ASCII, other scripts, characters outside the BMP, empty)
 * and however the values are split into parts (empty parts, parts that share one array at offsets).
 */
class Utf8TextsProperties {

  @Provide
  Arbitrary<List<String>> values() {
    Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(20);
    // Any character but a lone surrogate, which is not text that UTF-8 can hold.
    Arbitrary<String> any = Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMaxLength(6);
    Arbitrary<String> astral = Arbitraries.of("\uD83D\uDE00", "a\uD834\uDD1Eb", "é", "日本");
    return Arbitraries.oneOf(ascii, any, astral).list().ofMaxSize(60);
  }

  @Property(tries = 300)
  void everyValueComesBackByItsCode(
      @ForAll("values") List<String> values,
      @ForAll("cuts") List<Integer> cuts,
      @ForAll boolean shared) {
    // Part p holds the values from bound[p] to bound[p + 1]; a cut may repeat (an empty part).
    List<Integer> bounds = new ArrayList<>();
    bounds.add(0);
    cuts.stream().map(c -> c % (values.size() + 1)).sorted().forEach(bounds::add);
    bounds.add(values.size());
    int parts = bounds.size() - 1;
    byte[][] bytes = new byte[parts][];
    int[][] starts = new int[parts][];
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int p = 0; p < parts; p++) {
      ByteArrayOutputStream part = shared ? all : new ByteArrayOutputStream();
      int from = bounds.get(p);
      int to = bounds.get(p + 1);
      starts[p] = new int[to - from + 1];
      starts[p][0] = part.size();
      for (int i = from; i < to; i++) {
        part.writeBytes(values.get(i).getBytes(StandardCharsets.UTF_8));
        starts[p][i - from + 1] = part.size();
      }
      bytes[p] = part.toByteArray();
    }
    if (shared) {
      // Every part points into the one array, at its own offsets.
      byte[] one = all.toByteArray();
      for (int p = 0; p < parts; p++) {
        bytes[p] = one;
      }
    }
    ResidentColumns.Utf8Texts texts = new ResidentColumns.Utf8Texts(bytes, starts);
    assertEquals(values.size(), texts.size());
    for (int i = 0; i < values.size(); i++) {
      assertEquals(values.get(i), texts.get(i));
      assertEquals(values.get(i), texts.get(i), "asked again (a string kept once made)");
    }
    assertThrows(IndexOutOfBoundsException.class, () -> texts.get(values.size()));
    assertThrows(IndexOutOfBoundsException.class, () -> texts.get(-1));
    // Every range of codes hands over the same values as bytes, in code order.
    for (int from = 0; from <= values.size(); from++) {
      for (int to = from; to <= values.size(); to += 1 + values.size() / 7) {
        List<String> seen = new ArrayList<>();
        int first = from;
        texts.forEach(
            from,
            to,
            (code, b, at, length) -> {
              assertEquals(first + seen.size(), code);
              seen.add(new String(b, at, length, StandardCharsets.UTF_8));
            });
        assertEquals(values.subList(from, to), seen);
      }
    }
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> texts.forEach(0, values.size() + 1, (code, b, at, length) -> {}));
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(0, 1000).list().ofMaxSize(8);
  }

  @Example
  void partsThatDoNotMatchAreRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ResidentColumns.Utf8Texts(new byte[1][], new int[2][]));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ResidentColumns.Utf8Texts(new byte[][] {new byte[2]}, new int[][] {{0, 3}}));
    assertThrows(
        IllegalArgumentException.class,
        () -> new ResidentColumns.Utf8Texts(new byte[][] {new byte[2]}, new int[][] {{}}));
  }

  /** A dictionary of more values than it keeps strings for gives them back all the same. */
  @Example
  void manyValues_comeBackEachTimeTheyAreAsked() {
    int n = ResidentColumns.Utf8Texts.FEW_VALUES + 5;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int[] starts = new int[n + 1];
    for (int i = 0; i < n; i++) {
      out.writeBytes(("u" + i).getBytes(StandardCharsets.UTF_8));
      starts[i + 1] = out.size();
    }
    ResidentColumns.Utf8Texts texts =
        new ResidentColumns.Utf8Texts(new byte[][] {out.toByteArray()}, new int[][] {starts});
    assertEquals(n, texts.size());
    for (int i = 0; i < n; i += 997) {
      assertEquals("u" + i, texts.get(i));
      assertEquals("u" + i, texts.get(i));
    }
    assertEquals("u" + (n - 1), texts.get(n - 1));
  }

  @Example
  void noPartsHoldNoValues() {
    ResidentColumns.Utf8Texts texts = new ResidentColumns.Utf8Texts(new byte[0][], new int[0][]);
    assertEquals(0, texts.size());
    assertThrows(IndexOutOfBoundsException.class, () -> texts.get(0));
  }
}
