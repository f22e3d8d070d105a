package dev.cleanroom.audit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.cleanroom.PolicyRule;
import dev.cleanroom.internal.journal.JournalFormat;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditRecord;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The canonical encoding of audit records, their SHA-256 chain hash and the payload of an audit
 * journal record. Pure encoding and decoding; no I/O.
 *
 * <pre>
 * canonical = version(1 byte, 1 or 2) index(i64) seconds(i64) nanos(i32)
 *             str(queryId) str(analyst) list(str: datasets) str(fingerprint) str(outcome)
 *             opt(str: rule) str(reason) list(charge) opt(str: incidentId)
 *             [version 2 only: list(str: policyVersions)]
 * charge    = str(ledger) str(dataset) str(owner) str(ε) str(δ)
 * str       = i32 n, then n bytes of strict UTF-8
 * list(x)   = i32 n, then n times x
 * opt(x)    = 1 byte 0 (absent) or 1 (present) then x
 * hash      = SHA-256(previous hash as 32 bytes || canonical)
 * payload   = canonical previousHash(32 bytes) hash(32 bytes)   (an audit journal record)
 * </pre>
 *
 * <p>An event without policy versions is written as version 1, byte for byte as before they
 * existed, so that trails written earlier still verify; an event with them as version 2.
 *
 * <p>Every field is length-prefixed, so no two different records share an encoding. Amounts are
 * {@link BigDecimal#toString()} forms, which round-trip exactly. Never {@code toString()} of a
 * record.
 */
public final class AuditFormat {
  /** The bytes every audit journal file starts with. */
  static final byte[] HEADER = "cleanroom audit journal v1\n".getBytes(US_ASCII);

  private static final byte VERSION = 1;
  private static final byte VERSION_WITH_POLICIES = 2;
  private static final int HASH_BYTES = 32;
  private static final HexFormat HEX = HexFormat.of();

  private AuditFormat() {}

  /**
   * Chains {@code event} after a record whose hash is {@code previousHash}.
   *
   * @throws IllegalArgumentException if a string of the event is not well-formed Unicode
   */
  static AuditRecord link(long index, AuditEvent event, String previousHash) {
    return new AuditRecord(index, event, previousHash, hash(previousHash, canonical(index, event)));
  }

  /** The hash a record with these contents must have. */
  static String expectedHash(AuditRecord r) {
    return hash(r.previousHash(), canonical(r.index(), r.event()));
  }

  private static String hash(String previousHash, byte[] canonical) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    sha.update(HEX.parseHex(previousHash));
    return HEX.formatHex(sha.digest(canonical));
  }

  /** The journal payload of {@code r}: canonical encoding, previous hash, hash. */
  static byte[] payload(AuditRecord r) {
    byte[] canonical = canonical(r.index(), r.event());
    return ByteBuffer.allocate(canonical.length + 2 * HASH_BYTES)
        .put(canonical)
        .put(HEX.parseHex(r.previousHash()))
        .put(HEX.parseHex(r.hash()))
        .array();
  }

  /**
   * Decodes a journal payload whose checksum has matched. The hashes are read, not checked.
   *
   * @throws IllegalArgumentException if the payload is malformed; the message describes the defect,
   *     never the contents
   */
  static AuditRecord decode(byte[] payload) {
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      byte version = b.get();
      if (version != VERSION && version != VERSION_WITH_POLICIES) {
        throw new IllegalArgumentException("unknown audit record version");
      }
      long index = b.getLong();
      long seconds = b.getLong();
      int nanos = b.getInt();
      Instant time = Instant.ofEpochSecond(seconds, nanos);
      String queryId = string(b);
      String analyst = string(b);
      int n = count(b);
      List<String> datasets = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        datasets.add(string(b));
      }
      String fingerprint = string(b);
      AuditEvent.Outcome outcome = AuditEvent.Outcome.valueOf(string(b));
      Optional<PolicyRule> rule =
          present(b) ? Optional.of(PolicyRule.valueOf(string(b))) : Optional.empty();
      String reason = string(b);
      int c = count(b);
      List<AuditEvent.Charge> charges = new ArrayList<>(c);
      for (int i = 0; i < c; i++) {
        charges.add(
            new AuditEvent.Charge(
                string(b), string(b), string(b), amount(string(b)), amount(string(b))));
      }
      Optional<String> incident = present(b) ? Optional.of(string(b)) : Optional.empty();
      List<String> policyVersions = new ArrayList<>();
      if (version == VERSION_WITH_POLICIES) {
        int p = count(b);
        for (int i = 0; i < p; i++) {
          policyVersions.add(string(b));
        }
        if (policyVersions.isEmpty()) {
          throw new IllegalArgumentException("audit record of version 2 without policy versions");
        }
      }
      byte[] previous = new byte[HASH_BYTES];
      byte[] hash = new byte[HASH_BYTES];
      b.get(previous).get(hash);
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " unexpected bytes after the record");
      }
      AuditEvent event =
          new AuditEvent(
              time,
              queryId,
              analyst,
              datasets,
              fingerprint,
              outcome,
              rule,
              reason,
              charges,
              incident,
              policyVersions);
      return new AuditRecord(index, event, HEX.formatHex(previous), HEX.formatHex(hash));
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("audit record ends inside a field", e);
    } catch (DateTimeException | NumberFormatException e) {
      throw new IllegalArgumentException("audit record holds a malformed time or amount", e);
    }
  }

  /**
   * The canonical encoding of a record's index and event.
   *
   * @throws IllegalArgumentException if a string is not well-formed Unicode
   */
  static byte[] canonical(long index, AuditEvent e) {
    Out out = new Out();
    boolean policies = !e.policyVersions().isEmpty();
    out.bytes.write(policies ? VERSION_WITH_POLICIES : VERSION);
    out.i64(index);
    out.i64(e.time().getEpochSecond());
    out.i32(e.time().getNano());
    out.str(e.queryId());
    out.str(e.analyst());
    out.i32(e.datasets().size());
    for (String d : e.datasets()) {
      out.str(d);
    }
    out.str(e.fingerprint());
    out.str(e.outcome().name());
    out.opt(e.rule().map(PolicyRule::name));
    out.str(e.reason());
    out.i32(e.charges().size());
    for (AuditEvent.Charge c : e.charges()) {
      out.str(c.ledger());
      out.str(c.dataset());
      out.str(c.owner());
      out.str(c.epsilon().toString());
      out.str(c.delta().toString());
    }
    out.opt(e.incidentId());
    if (policies) {
      out.i32(e.policyVersions().size());
      for (String v : e.policyVersions()) {
        out.str(v);
      }
    }
    return out.bytes.toByteArray();
  }

  private static final class Out {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);

    void i32(int v) {
      bytes.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
    }

    void i64(long v) {
      bytes.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
    }

    void str(String s) {
      byte[] b = utf8(s);
      i32(b.length);
      bytes.writeBytes(b);
    }

    void opt(Optional<String> s) {
      bytes.write(s.isPresent() ? 1 : 0);
      s.ifPresent(this::str);
    }
  }

  private static byte[] utf8(String s) {
    try {
      return JournalFormat.encodeUtf8(s);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "an audit event holds a string that is not well-formed Unicode", e);
    }
  }

  private static String string(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("impossible string length " + n);
    }
    byte[] s = new byte[n];
    b.get(s);
    try {
      return JournalFormat.decodeUtf8(s);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("a string is not well-formed UTF-8", e);
    }
  }

  private static int count(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0 || n > b.remaining() / 4) {
      throw new IllegalArgumentException("impossible list length " + n);
    }
    return n;
  }

  private static boolean present(ByteBuffer b) {
    byte flag = b.get();
    if (flag != 0 && flag != 1) {
      throw new IllegalArgumentException("impossible presence flag " + flag);
    }
    return flag == 1;
  }

  private static BigDecimal amount(String s) {
    return new BigDecimal(s);
  }
}
