package dev.cleanroom.internal.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.spi.LedgerCharge;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** The two kinds of budget journal record, charges and bindings, tell themselves apart. */
class JournalFormatProperties {
  /** The payload of a framed record: after magic and length, before the checksum. */
  private static byte[] payload(ByteBuffer record) {
    byte[] all = new byte[record.remaining()];
    record.get(all);
    return Arrays.copyOfRange(all, JournalFormat.OVERHEAD - 4, all.length - 4);
  }

  @Property(tries = 300)
  void binding_roundTrips_andIsNoCharge(
      @ForAll @StringLength(min = 1, max = 200) String key,
      @ForAll @StringLength(min = 1, max = 200) String value) {
    // Unpaired surrogates cannot be journaled; the store refuses them before the format does.
    Assume.that(wellFormed(key) && wellFormed(value));
    byte[] p = payload(JournalFormat.encode(new JournalFormat.Binding(key, value)));
    assertTrue(JournalFormat.isBinding(p));
    assertEquals(new JournalFormat.Binding(key, value), JournalFormat.decodeBinding(p));
    assertThrows(IllegalArgumentException.class, () -> JournalFormat.decode(p));
  }

  @Property(tries = 200)
  void charge_isNoBinding(
      @ForAll @StringLength(min = 1, max = 50) String ledger, @ForAll @IntRange(max = 1000) int e) {
    Assume.that(wellFormed(ledger) && !ledger.isBlank());
    BigDecimal epsilon = BigDecimal.valueOf(e, 3);
    byte[] p =
        payload(
            JournalFormat.encode(
                List.of(
                    new LedgerCharge(
                        ledger, epsilon, BigDecimal.ZERO, BigDecimal.TEN, BigDecimal.ONE))));
    assertFalse(JournalFormat.isBinding(p));
    assertThrows(IllegalArgumentException.class, () -> JournalFormat.decodeBinding(p));
    assertEquals(ledger, JournalFormat.decode(p).get(0).ledger());
  }

  @Property(tries = 200)
  void cutOrExtendedBinding_isRefused(
      @ForAll @StringLength(min = 1, max = 40) String key,
      @ForAll @IntRange(min = 1, max = 8) int cut) {
    Assume.that(wellFormed(key));
    byte[] p = payload(JournalFormat.encode(new JournalFormat.Binding(key, "pub.data")));
    byte[] shorter = Arrays.copyOf(p, p.length - cut);
    byte[] longer = Arrays.copyOf(p, p.length + cut);
    assertThrows(IllegalArgumentException.class, () -> JournalFormat.decodeBinding(shorter));
    assertThrows(IllegalArgumentException.class, () -> JournalFormat.decodeBinding(longer));
  }

  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(++i))) {
          return false;
        }
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
