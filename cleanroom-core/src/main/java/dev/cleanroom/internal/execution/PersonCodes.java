package dev.cleanroom.internal.execution;

import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.util.HexFormat;

/**
 * The keyed hash that tells persons apart on the columnar path, where pseudonyms never leave the
 * engine: SipHash-2-4 with a 128-bit output ({@link SipHash128}) over the UTF-8 bytes of the
 * person's normalized id ({@link Pseudonymizer#normalize}), under a 16-byte key that is the first
 * 16 bytes of {@code HMAC-SHA256(roomKey, "cleanroom person codes v1")}. Two ids are one person
 * when their hashes are equal: exactly when their normalized ids are, but for a collision of two
 * 128-bit outputs of a pseudo-random function (probability below n² / 2¹²⁹ for n distinct ids,
 * under 2⁻⁸² for ten million).
 *
 * <p>The key is derived from the room's key for this use alone, so a person's hash, like its
 * pseudonym, is unrelated between rooms, and nothing computed before a room exists (a source, its
 * dictionary of ids) reveals or links ids. It is cheaper than the pseudonym's HMAC-SHA256 by about
 * two orders of magnitude on short ids, which is what makes the first query on a new source fast.
 * The streamed path's person table uses it too. Pseudonyms that leave the engine stay HMAC-SHA256
 * ({@link Pseudonymizer}).
 *
 * <p>A query that joins a dataset of ids that arrive pseudonymized ({@link
 * UserIdFormat#PSEUDONYMIZED}) with a dataset of other ids cannot use it, since only the pseudonym
 * of an id matches the pseudonymized one: there the columnar path tells persons apart by the first
 * 128 bits of their pseudonyms, and the streamed path by their pseudonyms, and both pay the HMAC of
 * every id that is not pseudonymized yet ({@link #pseudonymsNeeded}).
 */
final class PersonCodes {
  /** The label under which the hash's key is derived from the room's key. */
  static final String LABEL = "cleanroom person codes v1";

  private PersonCodes() {}

  /**
   * Whether {@code plan} must tell persons apart by pseudonym rather than by this hash: when it
   * joins a dataset of ids that arrive pseudonymized with a dataset of other ids.
   */
  static boolean pseudonymsNeeded(Plan plan) {
    long pseudonymized =
        plan.datasets().stream()
            .filter(d -> d.dataset().userIdFormat() == UserIdFormat.PSEUDONYMIZED)
            .count();
    return pseudonymized > 0 && pseudonymized < plan.datasets().size();
  }

  /**
   * The hash under the key derived from the room's key that {@code pseudonymizer} holds: the label
   * is its own normalized form, so its pseudonym is {@code HMAC-SHA256(roomKey, LABEL)} in
   * hexadecimal, whose first 32 digits are the key's 16 bytes.
   */
  static SipHash128 of(Pseudonymizer pseudonymizer) {
    String hmacHex = pseudonymizer.pseudonymize(LABEL, UserIdFormat.RAW);
    return new SipHash128(HexFormat.of().parseHex(hmacHex, 0, 32), 0);
  }
}
