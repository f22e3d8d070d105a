package dev.cleanroom.internal.execution;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.ContributionBounding;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.dp.UnitTotals;
import dev.cleanroom.internal.plan.ExecutionPaths;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.ResolvedColumn;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.TimeBucket;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;
import java.util.stream.IntStream;

/**
 * The columnar path of {@link Executor} for in-memory sources ({@link InMemorySource}, {@link
 * ColumnarSource}): the same answer as the streaming path, computed on primitive arrays.
 *
 * <p>Each dataset's user ids become one {@code int} person code per row, once per source version
 * and room key ({@link Ids}, kept in the room key's {@link PersonCodeCache}): each distinct id is
 * normalized and hashed under a key derived from the room's key ({@link PersonCodes}), taking the
 * distinct ids from the source's own dictionary when it has one ({@link ResidentColumns}). A query
 * then reads only the grouped and metric columns (a resident source's own arrays when the dataset
 * has no conditions, else a scan), accumulates per-person totals in arrays indexed by person code,
 * maps persons of the other datasets onto the first dataset's codes (a cached join map), collects
 * the joined rows of the grouped dataset by person (a counting sort, so each person's rows stay in
 * scan order), and bounds and aggregates each person's groups, split over the cores by person
 * ranges. No per-row objects are created.
 *
 * <p>It covers plans without cross-dataset conditions that group by at most one column, read from a
 * single dataset ({@link #supports}); everything else takes the streaming path.
 *
 * <p>The run's {@link Interrupts} are checked at each batch and every {@link
 * Interrupts#ROWS_PER_CHECK} rows within one (the batches here are larger than the streamed ones),
 * while new ids are hashed and every as many people while bounding; the rows of each batch are
 * reported to them.
 */
final class ColumnarExecutor {
  private static final int BATCH = 1 << 16;

  /** The fewest rows per thread for which a resident scan is split between threads. */
  static final int PARALLEL_ROWS = 1 << 18;

  private final PeopleHash peopleHash;
  private final KeyedRank rank;
  private final Pseudonymizer pseudonymizer;
  private final PersonCodeCache personCodes;
  private final SipHash128 codes;
  private final Interrupts interrupts;

  ColumnarExecutor(
      Pseudonymizer pseudonymizer,
      PersonCodeCache personCodes,
      KeyedRank rank,
      PeopleHash peopleHash,
      Interrupts interrupts) {
    this.pseudonymizer = pseudonymizer;
    this.personCodes = personCodes;
    this.peopleHash = peopleHash;
    this.rank = rank;
    this.interrupts = interrupts;
    this.codes = PersonCodes.of(pseudonymizer);
  }

  /** The number of ranges a scan of resident data is split into; 0, the default, decides it. */
  private int parts;

  /**
   * Splits every scan of resident data into {@code n} ranges, each on its own thread, whatever its
   * size and the number of cores: for tests of the split. 0 restores the default.
   */
  ColumnarExecutor parts(int n) {
    this.parts = n;
    return this;
  }

  /** The persons per bucket of per-person totals ({@link Totals}), as a power of two. */
  private int bucketBits = Totals.BUCKET_BITS;

  /**
   * Buckets per-person totals by {@code 2^bits} persons, whatever their number: for tests of the
   * buckets. -1 restores the default.
   */
  ColumnarExecutor bucketBits(int bits) {
    this.bucketBits = bits < 0 ? Totals.BUCKET_BITS : bits;
    return this;
  }

  /** The person codes of one source version under one room key. */
  static final class Ids {
    /**
     * Per row: the person's code, or -1 for an id that does not normalize. Only read: it may be the
     * source's own array of dictionary codes, where every distinct id is a person of its own.
     */
    final int[] rowPerson;

    /** Per person: its keyed 128-bit hash ({@link PersonCodes}) as two longs. */
    final long[] digests;

    final int persons;

    /**
     * Per person: its normalized id, which ranks its groups and is its {@link PeopleHash}; made
     * when asked for (from the source's dictionary where normalizing left the id as it was), since
     * most persons never need it.
     */
    private final IntFunction<String> personIds;

    /**
     * Finds a keyed hash among the distinct ids the codes were made from: the index of the id that
     * first had it, whose person {@link #distinctPerson} gives; null where the ids needed no table
     * to tell their persons apart, and {@link #byPerson} is built when first needed.
     */
    private final DigestTable byDistinct;

    private final int[] distinctPerson;

    private volatile DigestTable byPerson;

    private final Cache<Ids, int[]> joins = CacheBuilder.newBuilder().weakKeys().build();

    /** Per {@link PeopleHash} key: each person's people hash, computed once, when first asked. */
    private final Map<String, MemberHashes> memberHashes = new ConcurrentHashMap<>();

    Ids(
        int[] rowPerson,
        long[] digests,
        int persons,
        IntFunction<String> personIds,
        DigestTable byDistinct,
        int[] distinctPerson) {
      this.rowPerson = rowPerson;
      this.digests = digests;
      this.persons = persons;
      this.personIds = personIds;
      this.byDistinct = byDistinct;
      this.distinctPerson = distinctPerson;
    }

    /**
     * The normalized id of {@code person}, which ranks its groups on every path (a database can
     * compute it, not the keyed hash).
     */
    String rankId(int person) {
      return personIds.apply(person);
    }

    /** The people hashes of this version's persons under {@code hash}, cached. */
    MemberHashes memberHashes(PeopleHash hash) {
      return memberHashes.computeIfAbsent(
          hash.keyHex(), k -> new MemberHashes(hash, personIds, persons));
    }

    /**
     * This version's person whose keyed hash is {@code other[2p]}, {@code other[2p + 1]}, or -1.
     */
    int find(long[] other, int p) {
      if (byDistinct != null) {
        int holder = byDistinct.find(other, p);
        return holder < 0 ? -1 : distinctPerson[holder];
      }
      DigestTable t = byPerson;
      if (t == null) {
        synchronized (this) {
          t = byPerson;
          if (t == null) {
            t = new DigestTable(digests, persons, 2);
            for (int q = 0; q < persons; q++) {
              t.insert(q);
            }
            byPerson = t;
          }
        }
      }
      return t.find(other, p);
    }

    /**
     * For each person of {@code other}, this one's code of the same keyed hash, or -1: the smaller
     * version's persons are looked up, the larger's probe them.
     */
    int[] mapFrom(Ids other) {
      try {
        return joins.get(
            other,
            () -> {
              int[] out = new int[other.persons];
              if (other.persons <= persons) {
                Arrays.fill(out, -1);
                for (int p = 0; p < persons; p++) {
                  int q = other.find(digests, p);
                  if (q >= 0) {
                    out[q] = p; // one person of this version per keyed hash
                  }
                }
              } else {
                for (int q = 0; q < other.persons; q++) {
                  out[q] = find(other.digests, q);
                }
              }
              return out;
            });
      } catch (ExecutionException e) {
        throw new IllegalStateException("join map failed", e.getCause());
      }
    }
  }

  /**
   * The {@link PeopleHash} of each person of one source version, each computed on first use (by any
   * thread) and then kept: SHA-256 per person once per source version and room, instead of once per
   * person and query. A value is published with release semantics after it is written, and read
   * only after its flag is seen set with acquire semantics.
   */
  static final class MemberHashes {
    private static final VarHandle FLAGS = MethodHandles.arrayElementVarHandle(byte[].class);
    private final PeopleHash hash;
    private final IntFunction<String> ids;
    private final long[] values;
    private final byte[] known;

    MemberHashes(PeopleHash hash, IntFunction<String> ids, int persons) {
      this.hash = hash;
      this.ids = ids;
      this.values = new long[persons];
      this.known = new byte[persons];
    }

    /** The people hash of {@code person}. */
    long of(int person) {
      if ((byte) FLAGS.getAcquire(known, person) != 0) {
        return values[person];
      }
      long v = hash.hash(ids.apply(person));
      values[person] = v; // the same value whichever thread writes it
      FLAGS.setRelease(known, person, (byte) 1);
      return v;
    }
  }

  /**
   * Open addressing over persons' digests of {@code width} longs each (4 for a pseudonym, 2 for a
   * person code's keyed hash): the code of a digest.
   */
  static final class DigestTable {
    private final long[] digests;
    private final int width;
    private final int[] slots;
    private final int mask;

    DigestTable(long[] digests, int capacity) {
      this(digests, capacity, 4);
    }

    DigestTable(long[] digests, int capacity, int width) {
      this.digests = digests;
      this.width = width;
      int size = Integer.highestOneBit(Math.max(4, capacity) * 2) * 2;
      this.slots = new int[size];
      Arrays.fill(slots, -1);
      this.mask = size - 1;
    }

    /** Inserts person {@code p} if no person with its digest is present; returns the holder. */
    int insert(int p) {
      for (int s = slot(digests, p); ; s = (s + 1) & mask) {
        int e = slots[s];
        if (e < 0) {
          slots[s] = p;
          return p;
        }
        if (same(digests, e, digests, p)) {
          return e;
        }
      }
    }

    int find(long[] other, int p) {
      for (int s = slot(other, p); ; s = (s + 1) & mask) {
        int e = slots[s];
        if (e < 0) {
          return -1;
        }
        if (same(digests, e, other, p)) {
          return e;
        }
      }
    }

    private int slot(long[] d, int p) {
      long h = d[width * p] * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 33) & mask;
    }

    private boolean same(long[] a, int i, long[] b, int j) {
      int x = width * i;
      int y = width * j;
      for (int k = 0; k < width; k++) {
        if (a[x + k] != b[y + k]) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The person codes of a dataset's source version, kept in the room key's {@link PersonCodeCache}.
   * With {@code pseudonyms}, persons are told apart by their pseudonyms ({@link Pseudonymizer}, the
   * ids themselves for {@link UserIdFormat#PSEUDONYMIZED}), else by {@link PersonCodes}.
   */
  private Ids ids(Plan.DatasetPlan dp, boolean pseudonyms) {
    DataSource source = dp.dataset().source();
    // Every query, kept codes or not: a user id the source reports as malformed fails the query
    // here as the streamed path's scan would.
    ResidentColumns.requireNonEmpty(source, dp.dataset().userIdColumn());
    return personCodes.get(
        source,
        source.version().orElseThrow(),
        dp.dataset().userIdColumn(),
        dp.dataset().userIdFormat(),
        pseudonyms,
        () -> encode(dp, pseudonyms));
  }

  /**
   * The person codes of a dataset's source: each distinct id is normalized and hashed once ({@link
   * PersonCodes}, or with {@code pseudonyms} the first 128 bits of its pseudonym), in parallel, and
   * each row gets its person's code. A dictionary-encoded column ({@link
   * ResidentColumns.Dictionary}) gives its distinct ids and row codes directly; any other column is
   * read once to collect them.
   */
  private Ids encode(Plan.DatasetPlan dp, boolean pseudonyms) {
    DataSource source = dp.dataset().source();
    int rows = rowCount(source);
    ResidentColumns.Texts distinct;
    int[] rowDistinct;
    Optional<ResidentColumns.Column> column =
        ResidentColumns.of(source, dp.dataset().userIdColumn());
    boolean knownDistinct; // whether no two of the distinct ids are equal strings
    if (column.isPresent()
        && column.get() instanceof ResidentColumns.Dictionary d
        && d.codes().length == rows) {
      distinct = d.values();
      rowDistinct = d.codes(); // the source's own array: only read
      knownDistinct = d.distinct();
    } else {
      rowDistinct = new int[rows];
      distinct = ResidentColumns.Texts.of(collectIds(dp, column, rowDistinct));
      knownDistinct = true;
    }
    interrupts.check();
    UserIdFormat format = dp.dataset().userIdFormat();
    int n = distinct.size();
    int chunks = Math.max(1, Math.min(64, n / 4096));
    IdHashes h = new IdHashes(format, pseudonyms, n, chunks);
    long[] hashes = h.hashes;
    String[] changed = h.changed;
    boolean[] invalid = h.invalid;
    // A RAW id whose bytes are held is hashed from them where normalizing would leave it as it is
    // (the same hash: the UTF-8 bytes of the same string), without making a string.
    ResidentColumns.Utf8Texts bytes =
        !pseudonyms && format == UserIdFormat.RAW && distinct instanceof ResidentColumns.Utf8Texts u
            ? u
            : null;
    IntStream.range(0, chunks)
        .parallel()
        .forEach(
            c -> {
              int lo = (int) ((long) n * c / chunks);
              int hi = (int) ((long) n * (c + 1) / chunks);
              ResidentColumns.ValueBytes held =
                  (i, b, from, length) -> {
                    if (rawAsIs(b, from, length)) {
                      codes.hash(b, from, length, hashes, 2 * i);
                    } else {
                      h.normalizeAndHash(i, c, new String(b, from, length, StandardCharsets.UTF_8));
                    }
                  };
              for (int from = lo; from < hi; from += Interrupts.CHECK_MASK + 1) {
                if (interrupts.stopped()) {
                  return; // checked below: the rest of the ids is not worth hashing
                }
                int to = Math.min(hi, from + Interrupts.CHECK_MASK + 1);
                if (bytes != null) {
                  bytes.forEach(from, to, held);
                } else {
                  for (int i = from; i < to; i++) {
                    h.normalizeAndHash(i, c, distinct.get(i));
                  }
                }
              }
            });
    interrupts.check();
    IntFunction<String> normalized = i -> changed[i] != null ? changed[i] : distinct.get(i);
    // Distinct ids may share a normalized form (an e-mail address in two cases): one person. Ids
    // known distinct that normalization left as they were cannot, and need no table to find out.
    boolean anyChanged = false;
    boolean someInvalid = false;
    for (int c = 0; c < chunks; c++) {
      anyChanged |= h.changedIn[c];
      someInvalid |= h.invalidIn[c];
    }
    DigestTable table = knownDistinct && !anyChanged ? null : new DigestTable(hashes, n, 2);
    if (table == null && !someInvalid) {
      // Every distinct id is a person of its own, numbered as the id: the rows' codes are their
      // persons' (the source's own array, only read), and nothing is copied.
      return new Ids(rowDistinct, hashes, n, distinct::get, null, null);
    }
    int[] distinctPerson = new int[n];
    int[] personDistinct = new int[n];
    long[] digests = new long[2 * n];
    int persons = 0;
    for (int i = 0; i < n; i++) {
      if (invalid[i]) {
        distinctPerson[i] = -1;
        continue;
      }
      int holder = table == null ? i : table.insert(i);
      if (holder == i) {
        distinctPerson[i] = persons;
        personDistinct[persons] = i;
        digests[2 * persons] = hashes[2 * i];
        digests[2 * persons + 1] = hashes[2 * i + 1];
        persons++;
      } else {
        distinctPerson[i] = distinctPerson[holder];
      }
    }
    int[] rowPerson = new int[rows];
    int rowChunks = Math.max(1, Math.min(64, rows / (1 << 16)));
    IntStream.range(0, rowChunks)
        .parallel()
        .forEach(
            c -> {
              int lo = (int) ((long) rows * c / rowChunks);
              int hi = (int) ((long) rows * (c + 1) / rowChunks);
              for (int r = lo; r < hi; r++) {
                rowPerson[r] = distinctPerson[rowDistinct[r]];
              }
            });
    int[] firstIds = Arrays.copyOf(personDistinct, persons);
    return new Ids(
        rowPerson,
        Arrays.copyOf(digests, 2 * persons),
        persons,
        p -> normalized.apply(firstIds[p]),
        table,
        distinctPerson);
  }

  /**
   * Whether normalizing a RAW id ({@link Pseudonymizer#normalizeRaw}, which strips whitespace)
   * leaves the id of these UTF-8 bytes as it is: it is not empty, and its first and last bytes are
   * ASCII characters above the space (none of them whitespace), so that neither end can be
   * stripped. Other ids are normalized as strings.
   */
  static boolean rawAsIs(byte[] b, int from, int length) {
    return length > 0 && b[from] > ' ' && b[from + length - 1] > ' ';
  }

  /**
   * The keyed hashes of a source's distinct ids, made in chunks on several threads: per distinct id
   * its hash, its normalized form where that differs from the id, and whether it has none (not of
   * its format); per chunk whether any id changed or had none. The ids that normalization leaves as
   * they were, usually all, are not kept as strings: the dictionary makes them again when a rank or
   * a people hash needs them.
   */
  private final class IdHashes {
    private final UserIdFormat format;
    private final boolean pseudonyms;
    final long[] hashes;
    final String[] changed;
    final boolean[] invalid;
    final boolean[] changedIn;
    final boolean[] invalidIn;

    IdHashes(UserIdFormat format, boolean pseudonyms, int ids, int chunks) {
      this.format = format;
      this.pseudonyms = pseudonyms;
      this.hashes = new long[2 * ids];
      this.changed = new String[ids];
      this.invalid = new boolean[ids];
      this.changedIn = new boolean[chunks];
      this.invalidIn = new boolean[chunks];
    }

    /** Normalizes distinct id {@code i} of chunk {@code c}, then hashes it. */
    void normalizeAndHash(int i, int c, String id) {
      String normalized;
      try {
        normalized = Pseudonymizer.normalize(id, format);
      } catch (IllegalArgumentException e) {
        invalid[i] = true; // not of its format: no person, on every path
        invalidIn[c] = true;
        return;
      }
      if (!normalized.equals(id)) {
        changed[i] = normalized;
        changedIn[c] = true;
      }
      if (!pseudonyms) {
        codes.hash(normalized, hashes, 2 * i);
      } else {
        String pid =
            format == UserIdFormat.PSEUDONYMIZED
                ? normalized
                : pseudonymizer.pseudonymize(normalized, format);
        hashes[2 * i] = Long.parseUnsignedLong(pid, 0, 16, 16);
        hashes[2 * i + 1] = Long.parseUnsignedLong(pid, 16, 32, 16);
      }
    }
  }

  /**
   * The distinct ids of a dataset's user id column, each once, and per row the index of its id in
   * {@code rowDistinct}: from the source's own array when it has one ({@code column}), else from
   * one scan of the column.
   */
  private String[] collectIds(
      Plan.DatasetPlan dp, Optional<ResidentColumns.Column> column, int[] rowDistinct) {
    Map<String, Integer> codeOf = new HashMap<>();
    List<String> distinct = new ArrayList<>();
    if (column.isPresent()
        && column.get() instanceof ResidentColumns.Strings s
        && s.values().length == rowDistinct.length) {
      String[] ids = s.values();
      for (int r = 0; r < ids.length; r++) {
        if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
          interrupts.check();
        }
        rowDistinct[r] = distinctCode(ids[r], codeOf, distinct);
      }
      return distinct.toArray(new String[0]);
    }
    DataSource source = dp.dataset().source();
    String userCol = dp.dataset().userIdColumn();
    int at = 0;
    try (Scan scan = source.scan(new ScanRequest(List.of(userCol), Set.of(), List.of(), BATCH))) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        String[] ids = idStrings(batch);
        for (int r = 0; r < batch.rowCount(); r++) {
          if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
            interrupts.check();
          }
          rowDistinct[at++] = distinctCode(ids[r], codeOf, distinct);
        }
        interrupts.rowsRead(batch.rowCount());
        interrupts.check(); // before the next batch is asked for
      }
    }
    return distinct.toArray(new String[0]);
  }

  private static int distinctCode(String id, Map<String, Integer> codeOf, List<String> distinct) {
    Integer code = codeOf.putIfAbsent(id, distinct.size());
    if (code == null) {
      code = distinct.size();
      distinct.add(id);
    }
    return code;
  }

  private static String[] idStrings(ColumnBatch batch) {
    if (batch.columns().get(0).type() == ColumnType.LONG) {
      long[] l = batch.longs(0);
      String[] s = new String[batch.rowCount()];
      for (int r = 0; r < s.length; r++) {
        s[r] = Long.toString(l[r]);
      }
      return s;
    }
    return batch.strings(0);
  }

  /** The exact row count that a resident source declares (see {@link ExecutionPaths}). */
  private static int rowCount(DataSource s) {
    return Math.toIntExact(s.estimatedRows().orElseThrow());
  }

  /**
   * One dataset's rows, reduced: per person totals, and for the grouped dataset its joined rows.
   */
  private static final class Side {
    Ids ids;
    int[] toBase;

    /** Per person, the rows of a side that is not grouped (the grouped side's are its rows). */
    int[] rows;

    UnitTotals[] units;
    long[][] values;
    int[] fromBase;
  }

  /**
   * Joined rows of the grouped dataset: a part of the scan in row order, then laid out by person.
   */
  private static final class GroupedRows {
    int count;
    int[] person = new int[1024];
    int[] group = new int[1024];
    double[][] value;

    GroupedRows(int metrics) {
      value = new double[metrics][1024];
    }

    void add(int p, int g) {
      if (count == person.length) {
        int n = count * 2;
        person = Arrays.copyOf(person, n);
        group = Arrays.copyOf(group, n);
        for (int m = 0; m < value.length; m++) {
          value[m] = Arrays.copyOf(value[m], n);
        }
      }
      person[count] = p;
      group[count] = g;
      count++;
    }
  }

  /** Group values seen in a query, each with a dense id. */
  private static final class GroupIds {
    final ColumnType type;
    final Map<Object, Integer> ids = new HashMap<>();
    final List<Object> values = new ArrayList<>();
    private long[] longKeys = new long[256];
    private int[] longIds = new int[256];
    private boolean[] used = new boolean[256];
    private int longCount;

    /** Dense ids of small non-negative whole numbers (campaign ids, codes), without hashing. */
    private final int[] small = new int[1024];

    GroupIds(ColumnType type) {
      this.type = type;
      Arrays.fill(small, -1);
    }

    /** The id of a value that {@link #values} of another instance of the same type holds. */
    int idOf(Object value) {
      if (value instanceof String str) {
        return ofString(str);
      }
      return ofLong(value instanceof Long l ? l : Double.doubleToLongBits((Double) value));
    }

    int ofString(String s) {
      Integer id = ids.putIfAbsent(s, values.size());
      if (id == null) {
        values.add(s);
        return values.size() - 1;
      }
      return id;
    }

    int ofLong(long v) {
      if (type.isHeldAsLong() && v >= 0 && v < small.length) {
        int id = small[(int) v];
        if (id < 0) {
          id = values.size();
          small[(int) v] = id;
          values.add(v);
        }
        return id;
      }
      int mask = longKeys.length - 1;
      for (int s = (int) ((v * 0x9E3779B97F4A7C15L) >>> 40) & mask; ; s = (s + 1) & mask) {
        if (!used[s]) {
          used[s] = true;
          longKeys[s] = v;
          longIds[s] = values.size();
          values.add(type.isHeldAsLong() ? (Object) v : (Object) Double.longBitsToDouble(v));
          if (++longCount * 2 > longKeys.length) {
            grow();
          }
          return values.size() - 1;
        }
        if (longKeys[s] == v) {
          return longIds[s];
        }
      }
    }

    private void grow() {
      long[] k = longKeys;
      int[] id = longIds;
      boolean[] u = used;
      longKeys = new long[k.length * 2];
      longIds = new int[k.length * 2];
      used = new boolean[k.length * 2];
      int mask = longKeys.length - 1;
      for (int i = 0; i < k.length; i++) {
        if (u[i]) {
          int s = (int) ((k[i] * 0x9E3779B97F4A7C15L) >>> 40) & mask;
          while (used[s]) {
            s = (s + 1) & mask;
          }
          used[s] = true;
          longKeys[s] = k[i];
          longIds[s] = id[i];
        }
      }
    }
  }

  /** The groups of a plan on the columnar path, as the streaming path would build them. */
  Map<List<Object>, Executor.GroupState> aggregate(Plan plan) {
    int n = plan.datasets().size();
    int grouped = plan.groupBy().isEmpty() ? -1 : plan.groupBy().get(0).dataset();
    Side[] sides = new Side[n];
    boolean pseudonyms = PersonCodes.pseudonymsNeeded(plan);
    for (int i = 0; i < n; i++) {
      sides[i] = new Side();
      sides[i].ids = ids(plan.datasets().get(i), pseudonyms);
    }
    int basePersons = sides[0].ids.persons;
    for (int i = 0; i < n; i++) {
      Side s = sides[i];
      s.toBase = i == 0 ? null : sides[0].ids.mapFrom(s.ids);
    }
    // Per-person totals of every dataset (the grouped one too: its row counts and presence).
    List<GroupedRows> groupedRows = null;
    GroupIds groupIds = null;
    for (int i = 0; i < n; i++) {
      if (i == grouped) {
        continue;
      }
      scanTotals(plan.datasets().get(i), RowUnits.of(plan, i), sides[i]);
    }
    // One bit per person of the first dataset: small enough to stay in a core's cache while the
    // grouped scan looks up each row's person at random.
    long[] joined = new long[(basePersons + 63) >>> 6];
    Arrays.fill(joined, -1L);
    for (int i = 0; i < n; i++) {
      if (i == grouped) {
        continue;
      }
      Side s = sides[i];
      s.fromBase = new int[basePersons];
      Arrays.fill(s.fromBase, -1);
      for (int p = 0; p < s.ids.persons; p++) {
        int b = i == 0 ? p : s.toBase[p];
        if (b >= 0 && s.rows[p] > 0) {
          s.fromBase[b] = p;
        }
      }
      for (int b = 0; b < basePersons; b++) {
        if (s.fromBase[b] < 0) {
          joined[b >>> 6] &= ~(1L << b);
        }
      }
    }
    if (grouped >= 0) {
      Plan.DatasetPlan gp = plan.datasets().get(grouped);
      groupIds = new GroupIds(plan.groupBy().get(0).type());
      groupedRows = scanGrouped(gp, sides[grouped], joined, groupIds);
    }
    return bound(plan, sides, joined, grouped, groupIds, groupedRows);
  }

  /**
   * Whether person {@code b} of the first dataset is in every dataset: its bit of {@code joined}.
   */
  private static boolean joined(long[] joined, int b) {
    return (joined[b >>> 6] & (1L << b)) != 0;
  }

  /** The scan columns without the user id, unless the dataset's own conditions read it. */
  private static List<String> columnsOf(Plan.DatasetPlan dp) {
    List<String> cols = dp.scanColumns();
    if (!dp.sourceFilter().isEmpty() || cols.size() == 1) {
      return cols;
    }
    return cols.subList(1, cols.size());
  }

  /**
   * A numeric column of the rows at hand, read as doubles: a batch's arrays, or a resident source's
   * whole arrays, indexed by row.
   */
  private static final class Values {
    double[] doubles;
    long[] longs;

    /** A narrow column's offsets and base ({@link ResidentColumns.NarrowLongs}), or null. */
    int[] offsets;

    long base;

    void set(ResidentColumns.Column c) {
      doubles = c instanceof ResidentColumns.Doubles d ? d.values() : null;
      longs = c instanceof ResidentColumns.Longs l ? l.values() : null;
      offsets = c instanceof ResidentColumns.NarrowLongs n ? n.offsets() : null;
      base = c instanceof ResidentColumns.NarrowLongs n ? n.base() : 0;
    }

    void set(ColumnBatch batch, int slot) {
      boolean isDouble = batch.columns().get(slot).type() == ColumnType.DOUBLE;
      doubles = isDouble ? batch.doubles(slot) : null;
      longs = isDouble ? null : batch.longs(slot);
      offsets = null;
    }

    double at(int r) {
      if (doubles != null) {
        return doubles[r];
      }
      return longs != null ? longs[r] : ResidentColumns.NarrowLongs.value(base, offsets[r]);
    }
  }

  /**
   * The grouped column of the rows at hand, indexed by row: each value's dense group id. A
   * dictionary-encoded column looks each distinct value up once.
   */
  private static final class Groups {
    private final GroupIds ids;
    private String[] strings;
    private long[] longs;
    private int[] offsets;
    private long base;
    private double[] doubles;
    private int[] codes;
    private ResidentColumns.Texts dictionary;
    private int[] dictionaryGroup;

    /** The grouped column's time bucket, or null; and the type of the values it buckets. */
    private final TimeBucket bucket;

    private final ColumnType baseType;

    Groups(GroupIds ids, ResolvedColumn grouped) {
      this(ids, grouped.bucket().orElse(null), grouped.baseType());
    }

    private Groups(GroupIds ids, TimeBucket bucket, ColumnType baseType) {
      this.ids = ids;
      this.bucket = bucket;
      this.baseType = baseType;
    }

    /**
     * The same rows at hand, with their own group ids {@code into}: for another thread's range of a
     * resident column.
     */
    Groups copy(GroupIds into) {
      Groups g = new Groups(into, bucket, baseType);
      g.strings = strings;
      g.longs = longs;
      g.offsets = offsets;
      g.base = base;
      g.doubles = doubles;
      g.codes = codes;
      g.dictionary = dictionary;
      if (dictionary != null) {
        g.dictionaryGroup = new int[dictionary.size()];
        Arrays.fill(g.dictionaryGroup, -1);
      }
      return g;
    }

    void set(ResidentColumns.Column c) {
      if (c instanceof ResidentColumns.Dictionary d) {
        codes = d.codes();
        dictionary = d.values();
        dictionaryGroup = new int[dictionary.size()];
        Arrays.fill(dictionaryGroup, -1);
      } else if (c instanceof ResidentColumns.Strings s) {
        strings = s.values();
      } else if (c instanceof ResidentColumns.Longs l) {
        longs = l.values();
      } else if (c instanceof ResidentColumns.NarrowLongs n) {
        offsets = n.offsets();
        base = n.base();
      } else {
        doubles = ((ResidentColumns.Doubles) c).values();
      }
    }

    void set(ColumnBatch batch, int slot) {
      ColumnType t = batch.columns().get(slot).type();
      strings = t == ColumnType.STRING ? batch.strings(slot) : null;
      longs = t.isHeldAsLong() ? batch.longs(slot) : null;
      offsets = null;
      doubles = t == ColumnType.DOUBLE ? batch.doubles(slot) : null;
    }

    int at(int r) {
      if (codes != null) {
        int c = codes[r];
        int g = dictionaryGroup[c];
        if (g < 0) {
          g = ids.ofString(dictionary.get(c));
          dictionaryGroup[c] = g;
        }
        return g;
      }
      if (longs != null || offsets != null) {
        long v = longs != null ? longs[r] : ResidentColumns.NarrowLongs.value(base, offsets[r]);
        return ids.ofLong(bucket == null ? v : TimeBuckets.of(bucket, baseType, v));
      }
      if (strings != null) {
        return ids.ofString(strings[r]);
      }
      // Adding 0.0 turns -0.0 into 0.0, so both zeros are one group.
      return ids.ofLong(Double.doubleToLongBits(doubles[r] + 0.0));
    }
  }

  /** Row {@code r} of the rows at hand, of person {@code person} of the side. */
  @FunctionalInterface
  private interface RowVisitor {
    void row(int r, int person);
  }

  /**
   * Scans one side's dataset and hands each row that passes its own conditions and has a person to
   * a part that {@code part} makes, with {@code metrics} and {@code groups} (if not null) set to
   * the rows at hand, and returns the parts' results in row order. A resident source without
   * conditions is read from its own arrays, with row indices into the whole columns, in one range
   * per core ({@link #inParts}); any other is scanned in batches by one part. Part 0 reads {@code
   * groups} itself; a part made for a later range must read its own copy.
   */
  private <T> List<T> scanRows(
      Plan.DatasetPlan dp, Side side, Values[] metrics, Groups groups, IntFunction<Part<T>> part) {
    int[] rowPerson = side.ids.rowPerson;
    if (dp.sourceFilter().isEmpty() && readWhole(dp, metrics, groups)) {
      return inParts(rowPerson, part);
    }
    Part<T> v = part.apply(0);
    List<String> cols = columnsOf(dp);
    int shift = cols.size() == dp.scanColumns().size() ? 0 : 1;
    boolean filtered = !dp.sourceFilter().isEmpty();
    Executor.BatchRow row = new Executor.BatchRow();
    int at = 0;
    try (Scan scan = dp.dataset().source().scan(request(dp, cols))) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        row.batch = batch;
        for (int m = 0; m < metrics.length; m++) {
          metrics[m].set(batch, dp.metricSlots()[m] - shift);
        }
        if (groups != null) {
          groups.set(batch, dp.projectionSlots()[0] - shift);
        }
        int k = batch.rowCount();
        for (int r = 0; r < k; r++) {
          if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
            interrupts.check();
          }
          if (filtered) {
            row.row = r;
            if (!dp.local().test(row)) {
              continue;
            }
          }
          int p = rowPerson[at + r];
          if (p >= 0) { // an id not of its format belongs to no person, on every path
            v.row(r, p);
          }
        }
        at += k;
        interrupts.rowsRead(k);
        interrupts.check(); // before the next batch is asked for
      }
    }
    return List.of(v.result());
  }

  /**
   * Hands each row of {@code [lo, hi)} of a resident source that has a person to {@code v},
   * checking for interruption every {@link Interrupts#ROWS_PER_CHECK} rows and reporting the rows
   * read per batch.
   */
  private void visitRows(int[] rowPerson, int lo, int hi, RowVisitor v) {
    for (int from = lo; from < hi; from += BATCH) {
      interrupts.check();
      int to = Math.min(hi, from + BATCH);
      for (int r = from; r < to; r++) {
        if ((r & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
          interrupts.check();
        }
        int p = rowPerson[r];
        if (p >= 0) { // an id not of its format belongs to no person, on every path
          v.row(r, p);
        }
      }
      interrupts.rowsRead(to - from);
    }
    interrupts.check();
  }

  /** One thread's share of a resident scan: a visitor of its rows, and what it gathered. */
  private interface Part<T> extends RowVisitor {
    T result();
  }

  /**
   * Scans the rows of a resident source in one contiguous range per core (one range below {@link
   * #PARALLEL_ROWS} rows per core), each range visited on its own thread by the part that {@code
   * part} makes for it (the first on the calling thread), and returns the parts' results in row
   * order: a part that gathers what it sees in row order, concatenated with the parts after it,
   * gathers what one scan in row order would.
   */
  private <T> List<T> inParts(int[] rowPerson, IntFunction<Part<T>> part) {
    int rows = rowPerson.length;
    int n =
        parts > 0
            ? parts
            : Math.max(
                1, Math.min(Runtime.getRuntime().availableProcessors(), rows / PARALLEL_ROWS));
    List<Part<T>> parts = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      parts.add(part.apply(t));
    }
    List<CompletableFuture<T>> later = new ArrayList<>();
    for (int t = 1; t < n; t++) {
      int lo = (int) ((long) rows * t / n);
      int hi = (int) ((long) rows * (t + 1) / n);
      Part<T> p = parts.get(t);
      later.add(
          CompletableFuture.supplyAsync(
              () -> {
                visitRows(rowPerson, lo, hi, p);
                return p.result();
              }));
    }
    T first;
    try {
      visitRows(rowPerson, 0, (int) ((long) rows / n), parts.get(0));
      first = parts.get(0).result();
    } catch (RuntimeException e) {
      try {
        joinAll(later); // every part ends before the scan does
      } catch (RuntimeException other) {
        e.addSuppressed(other);
      }
      throw e;
    }
    List<T> out = new ArrayList<>();
    out.add(first);
    out.addAll(joinAll(later));
    return out;
  }

  /**
   * The results of {@code futures} in order, after all of them ended; a cancellation or timeout
   * seen by any is thrown as itself.
   */
  private static <T> List<T> joinAll(List<CompletableFuture<T>> futures) {
    List<T> out = new ArrayList<>();
    RuntimeException failed = null;
    for (CompletableFuture<T> f : futures) {
      try {
        out.add(f.join());
      } catch (CompletionException e) {
        RuntimeException cause = e.getCause() instanceof QueryCancelledException q ? q : e;
        if (failed == null) {
          failed = cause;
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
    return out;
  }

  /**
   * Points {@code metrics} and {@code groups} at the source's own whole columns, if it serves every
   * one of them ({@link ResidentColumns}) at the length of its person codes.
   */
  private static boolean readWhole(Plan.DatasetPlan dp, Values[] metrics, Groups groups) {
    int rows = rowCount(dp.dataset().source());
    DataSource source = dp.dataset().source();
    ResidentColumns.Column[] found = new ResidentColumns.Column[metrics.length];
    for (int m = 0; m < metrics.length; m++) {
      Optional<ResidentColumns.Column> c =
          ResidentColumns.of(source, dp.scanColumns().get(dp.metricSlots()[m]));
      if (c.isEmpty()
          || !(c.get() instanceof ResidentColumns.Doubles
              || c.get() instanceof ResidentColumns.Longs
              || c.get() instanceof ResidentColumns.NarrowLongs)
          || length(c.get()) != rows) {
        return false;
      }
      found[m] = c.get();
    }
    ResidentColumns.Column group = null;
    if (groups != null) {
      Optional<ResidentColumns.Column> c =
          ResidentColumns.of(source, dp.scanColumns().get(dp.projectionSlots()[0]));
      if (c.isEmpty() || length(c.get()) != rows) {
        return false;
      }
      group = c.get();
    }
    for (int m = 0; m < metrics.length; m++) {
      metrics[m].set(found[m]);
    }
    if (groups != null) {
      groups.set(group);
    }
    return true;
  }

  private static int length(ResidentColumns.Column c) {
    if (c instanceof ResidentColumns.Longs l) {
      return l.values().length;
    }
    if (c instanceof ResidentColumns.NarrowLongs n) {
      return n.offsets().length;
    }
    if (c instanceof ResidentColumns.Doubles d) {
      return d.values().length;
    }
    if (c instanceof ResidentColumns.Strings s) {
      return s.values().length;
    }
    return ((ResidentColumns.Dictionary) c).codes().length;
  }

  private static Values[] values(int metrics) {
    Values[] out = new Values[metrics];
    for (int m = 0; m < metrics; m++) {
      out[m] = new Values();
    }
    return out;
  }

  private void scanTotals(Plan.DatasetPlan dp, RowUnits slots, Side side) {
    int persons = side.ids.persons;
    Values[] in = values(dp.metrics().size());
    List<Totals> parts =
        scanRows(
            dp, side, in, null, t -> new Totals(dp, slots, in, persons, bucketBits, interrupts));
    Totals all = parts.get(0);
    for (int t = 1; t < parts.size(); t++) {
      all.add(parts.get(t));
    }
    side.rows = all.rows;
    side.units = all.units;
    side.values = all.values;
  }

  /**
   * One part's per-person totals of a dataset that is not grouped: rows, values that are not
   * missing, and each slot's exact units. Parts add up exactly, in any order.
   *
   * <p>Rows come in row order, and their persons at random. Where the persons' totals are larger
   * than a core's cache, each row's person and values are first put in a bucket by the person's
   * code (its top bits), and the buckets are added one after the other when the part ends: the
   * totals that one bucket touches stay in the cache, instead of every row reaching memory.
   */
  private static final class Totals implements Part<Totals> {
    /** Persons per bucket: 2^13, whose totals (a few dozen bytes each) fit a core's cache. */
    static final int BUCKET_BITS = 13;

    /** Persons per bucket, as a power of two. */
    private final int bits;

    private final Bounds[] bounds;
    private final RowUnits slots;
    private final Values[] in;
    final int[] rows;
    final UnitTotals[] units;
    final long[][] values;

    /** Per bucket, the persons of its rows so far; null without buckets. */
    private final int[][] bucketPerson;

    /** Per bucket and metric, the values of its rows so far. */
    private final double[][][] bucketValue;

    private final int[] bucketCount;

    private final Interrupts interrupts;

    Totals(
        Plan.DatasetPlan dp,
        RowUnits slots,
        Values[] in,
        int persons,
        int bits,
        Interrupts interrupts) {
      this.interrupts = interrupts;
      this.bits = bits;
      this.bounds = dp.valueBounds().toArray(new Bounds[0]);
      this.slots = slots;
      this.in = in;
      this.rows = new int[persons];
      this.units = unitTotals(slots.size(), persons);
      this.values = new long[in.length][persons];
      int buckets = (persons >>> bits) + 1;
      if (buckets > 1) {
        bucketPerson = new int[buckets][16];
        bucketValue = new double[buckets][in.length][16];
        bucketCount = new int[buckets];
      } else {
        bucketPerson = null;
        bucketValue = null;
        bucketCount = null;
      }
    }

    @Override
    public void row(int r, int p) {
      if (bucketPerson == null) {
        rows[p]++;
        for (int m = 0; m < in.length; m++) {
          add(p, m, in[m].at(r));
        }
        return;
      }
      int k = p >>> bits;
      int n = bucketCount[k];
      if (n == bucketPerson[k].length) {
        // A part has fewer rows than an array's longest length.
        int grown = (int) Math.min(Integer.MAX_VALUE - 8, 2L * n);
        bucketPerson[k] = Arrays.copyOf(bucketPerson[k], grown);
        for (int m = 0; m < in.length; m++) {
          bucketValue[k][m] = Arrays.copyOf(bucketValue[k][m], grown);
        }
      }
      bucketPerson[k][n] = p;
      for (int m = 0; m < in.length; m++) {
        bucketValue[k][m][n] = in[m].at(r);
      }
      bucketCount[k] = n + 1;
    }

    /** Adds a row's value {@code v} of metric {@code m} to person {@code p}'s totals. */
    private void add(int p, int m, double v) {
      // NaN is a missing value: it is dropped, neither counted nor summed.
      if (!Double.isNaN(v)) {
        double clamped = ContributionBounding.clamp(v, bounds[m]);
        values[m][p]++;
        for (int s = 0; s < slots.size(); s++) {
          if (slots.metric(s) == m) {
            slots.add(units[s], p, s, clamped);
          }
        }
      }
    }

    @Override
    public Totals result() {
      if (bucketPerson != null) {
        for (int k = 0; k < bucketCount.length; k++) {
          int[] person = bucketPerson[k];
          double[][] value = bucketValue[k];
          for (int i = 0; i < bucketCount[k]; i++) {
            if ((i & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
              interrupts.check();
            }
            int p = person[i];
            rows[p]++;
            for (int m = 0; m < value.length; m++) {
              add(p, m, value[m][i]);
            }
          }
          bucketPerson[k] = null;
          bucketValue[k] = null;
          bucketCount[k] = 0;
        }
      }
      return this;
    }

    void add(Totals o) {
      for (int p = 0; p < rows.length; p++) {
        rows[p] += o.rows[p];
        for (int m = 0; m < values.length; m++) {
          values[m][p] += o.values[m][p];
        }
        for (int s = 0; s < units.length; s++) {
          units[s].addTotal(p, o.units[s], p);
        }
      }
    }
  }

  /**
   * The joined rows of the grouped dataset, in parts whose rows in order are the scan's rows in row
   * order, each row's group an id of {@code groupIds}.
   */
  private List<GroupedRows> scanGrouped(
      Plan.DatasetPlan dp, Side side, long[] joined, GroupIds groupIds) {
    int metrics = dp.metrics().size();
    Values[] in = values(metrics);
    Groups groups = new Groups(groupIds, dp.projection().get(0));
    List<GroupedPart> parts =
        scanRows(
            dp,
            side,
            in,
            groups,
            t ->
                new GroupedPart(
                    dp,
                    side.toBase,
                    joined,
                    in,
                    t == 0 ? groups : groups.copy(new GroupIds(groupIds.type)),
                    new GroupedRows(metrics)));
    // The first part's group ids are the query's; a later part's are its own, in the order it
    // met them, and join the query's in that order, as one scan in row order would hand them out.
    List<GroupedRows> out = new ArrayList<>();
    for (int t = 0; t < parts.size(); t++) {
      GroupedPart part = parts.get(t);
      if (t > 0) {
        int[] id = new int[part.groups.ids.values.size()];
        for (int i = 0; i < id.length; i++) {
          id[i] = groupIds.idOf(part.groups.ids.values.get(i));
        }
        for (int i = 0; i < part.out.count; i++) {
          part.out.group[i] = id[part.out.group[i]];
        }
      }
      out.add(part.out);
    }
    return out;
  }

  /** One part's joined rows of the grouped dataset, in row order, with their groups and values. */
  private static final class GroupedPart implements Part<GroupedPart> {
    private final Plan.DatasetPlan dp;
    private final int[] toBase;
    private final long[] joined;
    private final Values[] in;
    final Groups groups;
    final GroupedRows out;

    GroupedPart(
        Plan.DatasetPlan dp,
        int[] toBase,
        long[] joined,
        Values[] in,
        Groups groups,
        GroupedRows out) {
      this.dp = dp;
      this.toBase = toBase;
      this.joined = joined;
      this.in = in;
      this.groups = groups;
      this.out = out;
    }

    @Override
    public void row(int r, int own) {
      int b = toBase == null ? own : toBase[own];
      if (b < 0 || !joined(joined, b)) {
        return;
      }
      int slot = out.count;
      out.add(b, groups.at(r));
      for (int m = 0; m < in.length; m++) {
        double v = in[m].at(r);
        out.value[m][slot] =
            Double.isNaN(v) ? v : ContributionBounding.clamp(v, dp.valueBounds().get(m));
      }
    }

    @Override
    public GroupedPart result() {
      return this;
    }
  }

  private static ScanRequest request(Plan.DatasetPlan dp, List<String> cols) {
    return new ScanRequest(cols, Set.of(), dp.sourceFilter(), BATCH);
  }

  private Map<List<Object>, Executor.GroupState> bound(
      Plan plan,
      Side[] sides,
      long[] joined,
      int grouped,
      GroupIds groupIds,
      List<GroupedRows> scanned) {
    int aggregates = plan.aggregates().size();
    int basePersons = sides[0].ids.persons;
    int groups = grouped < 0 ? 1 : groupIds.values.size();
    ContributionBounder.GroupTotals total = new ContributionBounder.GroupTotals(plan);
    for (int g = 0; g < groups; g++) {
      // Dense ids in the order of groupIds: id(key) hands out g.
      total.id(grouped < 0 ? List.of() : List.of(groupIds.values.get(g)));
    }
    int[] start = new int[basePersons + 1];
    GroupedRows rows = scanned == null ? null : scanned.get(0);
    if (rows != null) {
      // A stable counting sort by person over the scan's parts in row order, which lays the rows
      // out in person order (each person's rows stay in scan order) in the first part's place, so
      // that bounding reads them sequentially.
      int count = 0;
      for (GroupedRows part : scanned) {
        for (int i = 0; i < part.count; i++) {
          start[part.person[i] + 1]++;
        }
        count += part.count;
      }
      for (int b = 0; b < basePersons; b++) {
        start[b + 1] += start[b];
      }
      int[] group = new int[count];
      double[][] value = new double[rows.value.length][count];
      for (GroupedRows part : scanned) {
        for (int i = 0; i < part.count; i++) {
          int j = start[part.person[i]]++; // the next place of the person's rows
          group[j] = part.group[i];
          for (int m = 0; m < value.length; m++) {
            value[m][j] = part.value[m][i];
          }
        }
      }
      // Each start[b] now holds the end of person b's rows, the start of b + 1's.
      System.arraycopy(start, 0, start, 1, basePersons);
      start[0] = 0;
      rows.count = count;
      rows.group = group;
      rows.value = value;
      rows.person = null;
    }
    int threads =
        Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), basePersons / 20_000));
    List<CompletableFuture<ContributionBounder.GroupTotals>> parts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int lo = (int) ((long) basePersons * t / threads);
      int hi = (int) ((long) basePersons * (t + 1) / threads);
      ContributionBounder.GroupTotals part = total.sibling();
      parts.add(
          CompletableFuture.supplyAsync(
              () -> boundRange(plan, sides, joined, grouped, rows, start, groups, lo, hi, part)));
    }
    for (ContributionBounder.GroupTotals part : joinAll(parts)) {
      total.merge(part);
    }
    return total.byKey();
  }

  /**
   * Hands each joined person of {@code [lo, hi)} to the one {@link ContributionBounder}: the
   * person's groups with their row counts and metric totals, read from the columnar sides.
   */
  private ContributionBounder.GroupTotals boundRange(
      Plan plan,
      Side[] sides,
      long[] joined,
      int grouped,
      GroupedRows rows,
      int[] start,
      int groups,
      int lo,
      int hi,
      ContributionBounder.GroupTotals acc) {
    ContributionBounder bounder = new ContributionBounder(plan, rank, peopleHash);
    IntFunction<String> rankIds = sides[0].ids::rankId;
    IntToLongFunction memberHashes =
        plan.differenceChecks().isPresent() ? sides[0].ids.memberHashes(peopleHash)::of : null;
    int aggregates = plan.aggregates().size();
    int metrics = rows == null ? 0 : rows.value.length;
    int[] slotOf = new int[groups];
    Arrays.fill(slotOf, -1);
    int cap = Math.min(groups, 1024);
    int[] distinct = new int[cap];
    long[] groupRows = new long[cap];
    RowUnits groupedSlots = grouped < 0 ? RowUnits.of(plan, -1) : RowUnits.of(plan, grouped);
    UnitTotals[] groupUnits = unitTotals(groupedSlots.size(), cap);
    long[][] groupValues = new long[metrics][cap];
    UnitTotals[] units = unitTotals(aggregates, cap);
    int[] unitSlot = new int[aggregates];
    for (int a = 0; a < aggregates; a++) {
      int ds = plan.aggregates().get(a).dataset();
      unitSlot[a] = ds < 0 ? -1 : RowUnits.of(plan, ds).slotOf(a);
    }
    long[][] values = new long[aggregates][cap];
    for (int b = lo; b < hi; b++) {
      if (((b - lo) & Interrupts.CHECK_MASK) == Interrupts.CHECK_MASK) {
        interrupts.check();
      }
      if (!joined(joined, b)) {
        continue;
      }
      int d = 0;
      if (rows == null) {
        distinct[0] = 0;
        d = 1;
      } else {
        for (int i = start[b]; i < start[b + 1]; i++) {
          int g = rows.group[i];
          int s = slotOf[g];
          if (s < 0) {
            if (d == distinct.length) {
              int n = Math.min(groups, d * 2);
              distinct = Arrays.copyOf(distinct, n);
              groupRows = Arrays.copyOf(groupRows, n);
              for (UnitTotals u : groupUnits) {
                u.ensureCapacity(n);
              }
              for (int m = 0; m < metrics; m++) {
                groupValues[m] = Arrays.copyOf(groupValues[m], n);
              }
              for (int a = 0; a < aggregates; a++) {
                units[a].ensureCapacity(n);
                values[a] = Arrays.copyOf(values[a], n);
              }
            }
            s = d++;
            slotOf[g] = s;
            distinct[s] = g;
            groupRows[s] = 0;
            for (UnitTotals u : groupUnits) {
              u.clear(s);
            }
            for (int m = 0; m < metrics; m++) {
              groupValues[m][s] = 0;
            }
          }
          groupRows[s]++;
          for (int m = 0; m < metrics; m++) {
            double v = rows.value[m][i];
            if (!Double.isNaN(v)) {
              groupValues[m][s]++;
              for (int u = 0; u < groupedSlots.size(); u++) {
                if (groupedSlots.metric(u) == m) {
                  groupedSlots.add(groupUnits[u], s, u, v);
                }
              }
            }
          }
        }
        for (int s = 0; s < d; s++) {
          slotOf[distinct[s]] = -1;
        }
      }
      if (grouped != 0) {
        // count() counts the first dataset's rows: the grouped rows' own when it is grouped,
        // else the person's total in it, the same in every group.
        long firstRows = sides[0].rows[sides[0].fromBase[b]];
        for (int s = 0; s < d; s++) {
          groupRows[s] = firstRows;
        }
      }
      for (int a = 0; a < aggregates; a++) {
        Plan.AggregatePlan ap = plan.aggregates().get(a);
        int ds = ap.dataset();
        if (ds < 0) {
          continue;
        }
        int m = ap.metricIndex();
        for (int s = 0; s < d; s++) {
          units[a].clear(s);
          if (ds == grouped) {
            if (unitSlot[a] >= 0) {
              units[a].addTotal(s, groupUnits[unitSlot[a]], s);
            }
            values[a][s] = groupValues[m][s];
          } else {
            int pc = sides[ds].fromBase[b];
            if (unitSlot[a] >= 0) {
              units[a].addTotal(s, sides[ds].units[unitSlot[a]], pc);
            }
            values[a][s] = sides[ds].values[m][pc];
          }
        }
      }
      bounder.person(b, rankIds, memberHashes, d, distinct, groupRows, units, values, acc);
    }
    return acc;
  }

  /** {@code n} arrays of {@code capacity} zero unit totals. */
  private static UnitTotals[] unitTotals(int n, int capacity) {
    UnitTotals[] out = new UnitTotals[n];
    for (int i = 0; i < n; i++) {
      out[i] = new UnitTotals(capacity);
    }
    return out;
  }
}
