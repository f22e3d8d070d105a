package dev.cleanroom.internal.room;

import com.google.common.cache.Cache;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.internal.plan.TemplateRegistry;
import dev.cleanroom.internal.release.DifferenceChecks;
import dev.cleanroom.internal.state.StateCodec;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's state in its {@link StateStore}: one record per registered template content, per
 * approval, per stored answer and per release that difference checks remember. Replayed in order
 * when the room starts, so that a restarted room has the templates and approvals it had, serves the
 * stored answer of an identical query and checks new releases against the remembered ones.
 *
 * <p>Fields of a record body are separated by spaces, each the URL-safe Base64 of its UTF-8 text
 * (or of its bytes), so that the body is one line of printable ASCII.
 */
final class RoomState {
  private static final Logger log = LoggerFactory.getLogger(RoomState.class);

  static final String TEMPLATE = "template";
  static final String APPROVAL = "approval";
  static final String ANSWER = "answer";

  /** The policy document of a dataset, after its registration or a policy change. */
  static final String POLICY = "policy";

  /** A dataset retired. */
  static final String RETIRED = "retired";

  /**
   * What a room does with the policies and retirements recorded in the store, by itself before a
   * restart or by rooms elsewhere.
   */
  interface Lifecycle {
    /**
     * The latest policy document recorded for {@code dataset}.
     *
     * @param replay whether the room is starting (no dataset registered yet)
     */
    void policy(String dataset, String document, boolean replay);

    /**
     * {@code dataset} was retired.
     *
     * @param replay whether the room is starting (no dataset registered yet)
     */
    void retired(String dataset, boolean replay);
  }

  /**
   * Rows kept by the difference checks, their people as {@link
   * dev.cleanroom.internal.execution.PeopleHash} values (version 2: a keyed SHA-256 of the
   * normalized id that a database computes too).
   */
  static final String RELEASES = "releases-v2";

  /**
   * Rows kept by an earlier engine, their people as SipHash values of pseudonyms: they cannot be
   * compared with rows hashed the new way, so they are dropped on replay with one warning.
   */
  static final String RELEASES_V1 = "releases";

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder UNB64 = Base64.getUrlDecoder();

  private final StateStore store;

  RoomState(StateStore store) {
    this.store = store;
  }

  /** Replays every record into the room's registries. */
  void replay(
      TemplateRegistry templates,
      Cache<String, Result> answers,
      DifferenceChecks differences,
      Lifecycle lifecycle,
      Instant now) {
    apply(store.records(), templates, answers, differences, lifecycle, now, true);
  }

  /**
   * Applies the records that rooms elsewhere appended to a shared store since the last call ({@link
   * StateStore#appendedElsewhere()}); nothing for a store that only this room writes.
   */
  void catchUp(
      TemplateRegistry templates,
      Cache<String, Result> answers,
      DifferenceChecks differences,
      Lifecycle lifecycle,
      Instant now) {
    List<StateRecord> records = store.appendedElsewhere();
    if (!records.isEmpty()) {
      apply(records, templates, answers, differences, lifecycle, now, false);
    }
  }

  private static void apply(
      List<StateRecord> records,
      TemplateRegistry templates,
      Cache<String, Result> answers,
      DifferenceChecks differences,
      Lifecycle lifecycle,
      Instant now,
      boolean replay) {
    int skipped = 0;
    int outdated = 0;
    for (StateRecord r : records) {
      try {
        String[] f = r.body().split(" ", -1);
        switch (r.kind()) {
          case TEMPLATE -> templates.register(StateCodec.decodeTemplate(f[0]));
          case APPROVAL -> templates.approve(text(f[0]), text(f[1]), text(f[2]));
          case ANSWER -> answers.put(text(f[0]), StateCodec.decodeResult(f[1]));
          case RELEASES -> {
            for (DifferenceChecks.Kept k : kept(f)) {
              differences.restore(k, now);
            }
          }
          case POLICY -> lifecycle.policy(text(f[0]), text(f[1]), replay);
          case RETIRED -> lifecycle.retired(text(f[0]), replay);
          case RELEASES_V1 -> outdated++;
          default -> skipped++;
        }
      } catch (RuntimeException e) {
        // A record this engine cannot apply (an approval of content replaced later, say).
        skipped++;
      }
    }
    if (outdated > 0) {
      log.warn(
          "state store: {} records of difference checks kept by an earlier version hash people"
              + " otherwise and were dropped; later releases are not compared with them",
          outdated);
    }
    if (skipped > 0 && replay) {
      log.warn("state store: {} records could not be applied and were skipped", skipped);
    } else if (skipped > 0) {
      log.debug("state store: {} records of other rooms could not be applied", skipped);
    }
  }

  void template(QueryTemplate t) {
    store.append(new StateRecord(TEMPLATE, StateCodec.encode(t)));
  }

  void approval(String owner, String templateId, String hash) {
    store.append(new StateRecord(APPROVAL, fields(owner, templateId, hash)));
  }

  void policy(String dataset, String document) {
    store.append(new StateRecord(POLICY, fields(dataset, document)));
  }

  void retired(String dataset) {
    store.append(new StateRecord(RETIRED, fields(dataset)));
  }

  void answer(String key, Result result) {
    store.append(
        new StateRecord(ANSWER, B64.encodeToString(utf8(key)) + " " + StateCodec.encode(result)));
  }

  void kept(List<DifferenceChecks.Kept> rows) {
    List<String> f = new ArrayList<>();
    f.add(Integer.toString(rows.size()));
    for (DifferenceChecks.Kept k : rows) {
      f.add(B64.encodeToString(utf8(k.analyst())));
      f.add(B64.encodeToString(utf8(String.join("\n", k.datasets()))));
      f.add(k.expires().getEpochSecond() + "." + k.expires().getNano());
      ByteBuffer b = ByteBuffer.allocate(k.people().length * Long.BYTES);
      b.asLongBuffer().put(k.people());
      f.add(B64.encodeToString(b.array()));
    }
    store.append(new StateRecord(RELEASES, String.join(" ", f)));
  }

  private static List<DifferenceChecks.Kept> kept(String[] f) {
    int n = Integer.parseInt(f[0]);
    if (n < 0 || f.length != 1 + 4 * n) {
      throw new IllegalArgumentException("malformed releases record");
    }
    List<DifferenceChecks.Kept> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int at = 1 + 4 * i;
      String[] time = f[at + 2].split("\\.");
      byte[] bytes = UNB64.decode(f[at + 3]);
      if (bytes.length % Long.BYTES != 0) {
        throw new IllegalArgumentException("malformed releases record");
      }
      long[] people = new long[bytes.length / Long.BYTES];
      ByteBuffer.wrap(bytes).asLongBuffer().get(people);
      long[] sorted = people.clone();
      Arrays.sort(sorted);
      if (!Arrays.equals(sorted, people)) {
        throw new IllegalArgumentException("malformed releases record");
      }
      out.add(
          new DifferenceChecks.Kept(
              text(f[at]),
              List.of(text(f[at + 1]).split("\n")),
              Instant.ofEpochSecond(Long.parseLong(time[0]), Long.parseLong(time[1])),
              people));
    }
    return out;
  }

  private static String fields(String... values) {
    List<String> f = new ArrayList<>();
    for (String v : values) {
      f.add(B64.encodeToString(utf8(v)));
    }
    return String.join(" ", f);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(String field) {
    return new String(UNB64.decode(field), StandardCharsets.UTF_8);
  }
}
