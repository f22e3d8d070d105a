package dev.cleanroom.jdbc;

import static dev.cleanroom.jdbc.IdTable.FORMATS;
import static dev.cleanroom.jdbc.IdTable.javaDistinct;
import static dev.cleanroom.jdbc.IdTable.javaNormalized;
import static dev.cleanroom.jdbc.IdTable.visible;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.UserIdFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * {@link SqlDialect#normalizedId} computes {@link
 * dev.cleanroom.pseudonymization.Pseudonymizer#normalize} exactly, on H2, DuckDB and PostgreSQL
 * (when {@code CLEANROOM_PG_URL} is set): for adversarial batches of ids, row by row (NULL where
 * Java rejects the id), and so the number of distinct people is the same too. Each try loads one
 * batch into each database.
 */
class SqlIdsProperties {
  private static List<IdTable> tables;

  /** Java's whitespace, enumerated over every code point so the list cannot drift from Java. */
  private static final List<String> WHITESPACE =
      IntStream.rangeClosed(0, Character.MAX_CODE_POINT)
          .filter(Character::isWhitespace)
          .mapToObj(Character::toString)
          .toList();

  /**
   * Not whitespace in Java, though they look like it or end lines: no-break spaces, NEL (which
   * {@code $} in Java regular expressions treats as a line end), Mongolian vowel separator,
   * zero-width space, byte order mark.
   */
  private static final List<String> LOOKALIKES =
      List.of("\u00A0", "\u2007", "\u202F", "\u0085", "\u180E", "\u200B", "\uFEFF");

  /**
   * ASCII letters and hex digits; letters that Unicode lower-cases unlike ASCII-only rules (Kelvin
   * sign, dotted and dotless i, sigma and final sigma, umlaut, sharp s and its capital, a Deseret
   * capital and small letter); supplementary characters; characters special in SQL or LIKE; NUL.
   */
  private static final List<String> LETTERS =
      List.of(
          "a",
          "A",
          "!",
          "~",
          "\u007F",
          "\u0600",
          "\u0301",
          "\u167F",
          "k",
          "K",
          "z",
          "Z",
          "i",
          "I",
          "0",
          "9",
          "f",
          "F",
          ".",
          "+",
          "'",
          "\\",
          "%",
          "_",
          "\u212A",
          "\u0130",
          "\u0131",
          "\u03A3",
          "\u03C3",
          "\u03C2",
          "\u00C4",
          "\u00E4",
          "\u00DF",
          "\u1E9E",
          "\uD801\uDC00",
          "\uD801\uDC28",
          "\uD83D\uDE00",
          "\uD835\uDC00",
          "\u0000");

  private static final List<String> SPACES =
      Stream.concat(WHITESPACE.stream(), LOOKALIKES.stream()).toList();

  @BeforeContainer
  static void open() throws Exception {
    tables = IdTable.openAll();
  }

  @AfterContainer
  static void close() throws Exception {
    IdTable.closeAll(tables);
  }

  @Property(tries = 100)
  void normalizedId_isJavasNormalization(@ForAll("batches") List<String> batch) throws Exception {
    for (IdTable table : tables) {
      List<String> ids = batch.stream().filter(table::holds).toList();
      table.load(ids);
      assertJavas(ids, table, table.normalize(false));
      assertJavas(ids, table, table.normalize(true));
    }
    collectStatistics(batch);
  }

  /** {@code sql}, the database's normalization of {@code ids}, is Java's. */
  private static void assertJavas(List<String> ids, IdTable table, IdTable.Normalized sql) {
    assertEquals(ids.size(), sql.rows().size(), table + ": rows");
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      List<String> row = sql.rows().get(i);
      assertEquals(id, row.get(0), () -> table + ": id read back as " + visible(row.get(0)));
      for (int f = 0; f < FORMATS.size(); f++) {
        UserIdFormat format = FORMATS.get(f);
        String got = row.get(1 + f);
        assertEquals(
            javaNormalized(id, format),
            got,
            () -> table + " " + format + " of " + visible(id) + ": SQL gave " + visible(got));
      }
    }
    for (int f = 0; f < FORMATS.size(); f++) {
      UserIdFormat format = FORMATS.get(f);
      assertEquals(
          javaDistinct(ids, format),
          sql.distinct().get(f),
          table + " " + format + ": distinct people");
    }
  }

  /**
   * Labels each batch by what it holds, and checks that enough batches hold each kind: valid and
   * rejected ids of every format, ids that stripping changes, and e-mail addresses that Unicode
   * lower-casing would change differently.
   */
  private static void collectStatistics(List<String> batch) {
    for (UserIdFormat format : FORMATS) {
      boolean valid = batch.stream().anyMatch(id -> javaNormalized(id, format) != null);
      boolean rejected = batch.stream().anyMatch(id -> javaNormalized(id, format) == null);
      Statistics.label(format + " valid").collect(valid);
      Statistics.label(format + " rejected").collect(rejected);
    }
    Statistics.label("stripped")
        .collect(batch.stream().anyMatch(id -> id != null && !id.equals(id.strip())));
    Statistics.label("non-ASCII case")
        .collect(
            batch.stream()
                .anyMatch(
                    id -> {
                      String n = javaNormalized(id, UserIdFormat.EMAIL);
                      return n != null && !n.equals(n.toLowerCase(Locale.ROOT));
                    }));
    for (String label :
        List.of(
            "RAW valid",
            "RAW rejected",
            "EMAIL valid",
            "EMAIL rejected",
            "PSEUDONYMIZED valid",
            "PSEUDONYMIZED rejected",
            "stripped",
            "non-ASCII case")) {
      // Each kind comes in about 40 % of the batches or more; below 10 % of 100 tries by chance
      // less than once in 10^9 runs.
      Statistics.label(label).coverage(c -> c.check(true).percentage(p -> p >= 10));
    }
  }

  /**
   * Families of ids that differ only by case, some ids NULL; 6 to 48 ids per database round trip.
   */
  @Provide
  Arbitrary<List<String>> batches() {
    Arbitrary<String> id =
        Arbitraries.frequencyOf(
                Tuple.of(3, emails()),
                Tuple.of(3, pseudonyms()),
                Tuple.of(3, texts()),
                Tuple.of(1, blanks()))
            .injectNull(0.05);
    Arbitrary<List<String>> family =
        id.flatMap(
            base ->
                Arbitraries.of(CaseChange.class)
                    .list()
                    .ofMaxSize(2)
                    .map(
                        changes -> {
                          List<String> f = new ArrayList<>();
                          f.add(base);
                          if (base != null) {
                            changes.forEach(c -> f.add(c.apply(base)));
                          }
                          return f;
                        }));
    return family
        .list()
        .ofMinSize(6)
        .ofMaxSize(16)
        .map(fs -> fs.stream().flatMap(List::stream).toList());
  }

  /** Up to three whitespace or look-alike characters. */
  private static Arbitrary<String> padding() {
    return Arbitraries.of(SPACES).list().ofMaxSize(3).map(l -> String.join("", l));
  }

  /** Mostly letters, sometimes whitespace or a look-alike in the middle. */
  private static Arbitrary<String> part(int maxSize) {
    Arbitrary<String> ch =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.of(LETTERS)), Tuple.of(1, Arbitraries.of(SPACES)));
    return ch.list().ofMaxSize(maxSize).map(l -> String.join("", l));
  }

  /** Addresses with zero, one or two {@code @}, local parts and domains empty at times. */
  private static Arbitrary<String> emails() {
    Arbitrary<String> at =
        Arbitraries.frequency(Tuple.of(8, "@"), Tuple.of(1, ""), Tuple.of(1, "@@"));
    return Combinators.combine(padding(), part(4), at, part(4), padding())
        .as((l, local, a, domain, r) -> l + local + a + domain + r);
  }

  /** 64 hexadecimal digits of mixed case, padded, and at times one flaw that makes them invalid. */
  private static Arbitrary<String> pseudonyms() {
    Arbitrary<String> hex = Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofLength(64);
    Arbitrary<HexFlaw> flaw =
        Arbitraries.frequencyOf(
            Tuple.of(7, Arbitraries.just(HexFlaw.NONE)),
            Tuple.of(3, Arbitraries.of(HexFlaw.class)));
    return Combinators.combine(
            padding(), hex, flaw, Arbitraries.integers().between(0, 62), padding())
        .as((l, h, f, at, r) -> l + f.apply(h, at) + r);
  }

  /** Any mix of letters, spaces, look-alikes and {@code @}. */
  private static Arbitrary<String> texts() {
    Arbitrary<String> ch =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of(LETTERS)),
            Tuple.of(2, Arbitraries.of(SPACES)),
            Tuple.of(1, Arbitraries.just("@")));
    return ch.list().ofMaxSize(8).map(l -> String.join("", l));
  }

  /** Empty, or only whitespace and look-alikes. */
  private static Arbitrary<String> blanks() {
    return Arbitraries.of(SPACES).list().ofMaxSize(4).map(l -> String.join("", l));
  }

  /** A change of case that makes another id of the same person, or of another one. */
  enum CaseChange {
    /** Unicode upper case: changes non-ASCII letters too (ä to Ä, ß to SS). */
    UPPER {
      @Override
      String apply(String s) {
        return s.toUpperCase(Locale.ROOT);
      }
    },
    /** Unicode lower case: the Kelvin sign becomes k, İ becomes i and a combining dot. */
    LOWER {
      @Override
      String apply(String s) {
        return s.toLowerCase(Locale.ROOT);
      }
    },
    /** ASCII letters swapped: the same person for EMAIL, another one for RAW. */
    SWAP_ASCII {
      @Override
      String apply(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
          b.append(
              c >= 'a' && c <= 'z' ? (char) (c - 32) : c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return b.toString();
      }
    };

    abstract String apply(String s);
  }

  /** A way to spoil 64 hex digits at a position. */
  enum HexFlaw {
    NONE {
      @Override
      String apply(String hex, int at) {
        return hex;
      }
    },
    /** 63 digits. */
    SHORT {
      @Override
      String apply(String hex, int at) {
        return hex.substring(0, 63);
      }
    },
    /** 65 digits. */
    LONG {
      @Override
      String apply(String hex, int at) {
        return hex + "0";
      }
    },
    /** A letter beyond f. */
    NOT_HEX {
      @Override
      String apply(String hex, int at) {
        return hex.substring(0, at) + "g" + hex.substring(at + 1);
      }
    },
    /** A full-width digit zero, a digit but not an ASCII one. */
    FULL_WIDTH {
      @Override
      String apply(String hex, int at) {
        return hex.substring(0, at) + "\uFF10" + hex.substring(at + 1);
      }
    },
    /** A space inside. */
    INNER_SPACE {
      @Override
      String apply(String hex, int at) {
        return hex.substring(0, at) + " " + hex.substring(at + 1);
      }
    },
    /**
     * Two digits replaced by one supplementary digit (mathematical bold zero): 64 UTF-16 units but
     * 63 code points.
     */
    SUPPLEMENTARY {
      @Override
      String apply(String hex, int at) {
        return hex.substring(0, at) + "\uD835\uDFCE" + hex.substring(at + 2);
      }
    };

    abstract String apply(String hex, int at);
  }
}
