package dev.cleanroom.internal.journal;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Uninterruptibles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusively locked, append-only file of {@link JournalFormat} records after a fixed header:
 * the file handling shared by the budget journal and the audit journal.
 *
 * <p>Opening locks the file, checks the header and replays every complete record through a {@link
 * Replay}; a torn last record (cut off or with a wrong checksum, as a crash during a write leaves
 * it) is dropped and the file truncated, with one WARN line; a bad record followed by good data is
 * damage in the middle and opening fails, leaving the file untouched.
 *
 * <p>Not thread-safe: the owner calls {@link #append}, {@link #readAll} and {@link #close} under
 * its own lock. Writes and forces run on a private single thread that is never interrupted: an
 * interrupt of a caller would otherwise close the {@link FileChannel} (and drop the file lock) for
 * every user of the file. If a write or force fails, whether the record reached the disk is
 * unknown, so every later call throws {@link IllegalStateException}.
 */
public final class JournalFile {
  private static final Logger debugLog = LoggerFactory.getLogger(JournalFile.class);

  /**
   * Identities (file keys, else real paths) of the journals open in this JVM. Checked before a
   * second channel to the same file is ever opened: on POSIX systems, closing any descriptor of a
   * file drops every lock this process holds on it, so a failed second open must not even open the
   * file.
   */
  private static final Set<Object> openJournals = new HashSet<>();

  private static final int READ_WINDOW = 64 * 1024;

  /** Receives the payload of each good record while a journal is replayed. */
  @FunctionalInterface
  public interface Replay {
    /**
     * Takes one record's payload.
     *
     * @throws IllegalArgumentException if the payload is malformed; the journal is then damaged
     */
    void accept(byte[] payload);
  }

  private final String kind;
  private final Path file;
  private final Object identity;
  private final FileChannel channel;
  private final FileLock fileLock;
  private final ExecutorService writer;
  private final int headerLength;

  // The end of the last good record, where the next record goes.
  private long end;
  private final int maxPayload;
  private boolean closed;
  private boolean failed;

  private JournalFile(
      String kind,
      Path file,
      Object identity,
      FileChannel channel,
      FileLock fileLock,
      int headerLength,
      long end,
      int maxPayload) {
    this.kind = kind;
    this.maxPayload = maxPayload;
    this.file = file;
    this.identity = identity;
    this.channel = channel;
    this.fileLock = fileLock;
    this.headerLength = headerLength;
    this.end = end;
    this.writer =
        Executors.newSingleThreadExecutor(
            new ThreadFactoryBuilder()
                .setDaemon(true)
                .setNameFormat("cleanroom-" + kind.replace(' ', '-') + "-%d")
                .build());
  }

  /**
   * Opens or creates the journal at {@code file}, locks it and replays it.
   *
   * @param kind what the file is, for messages, e.g. {@code "budget journal"}
   * @param header the bytes the file starts with
   * @param log the owner's logger, for the one WARN line about a dropped torn record
   * @param replay receives the payload of every good record, in order
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the parent directory does not exist or {@code file} is a
   *     directory
   * @throws IllegalStateException if the journal is open elsewhere (this JVM or another process),
   *     has another header, or is damaged before its last record
   * @throws UncheckedIOException if the file cannot be read, written or locked
   */
  public static JournalFile open(String kind, byte[] header, Path file, Logger log, Replay replay) {
    return open(kind, header, file, log, replay, JournalFormat.MAX_PAYLOAD);
  }

  /**
   * {@link #open}, for a journal whose records hold up to {@code maxPayload} bytes (the budget and
   * audit journals' 1 MiB, {@link JournalFormat#MAX_PAYLOAD}, unless said otherwise).
   */
  public static JournalFile open(
      String kind, byte[] header, Path file, Logger log, Replay replay, int maxPayload) {
    Objects.requireNonNull(file, "file");
    Path path = file.toAbsolutePath();
    Path parent = path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          "the directory of the " + kind + " must exist; provided file: " + file);
    }
    if (Files.isDirectory(path)) {
      throw new IllegalArgumentException(
          "the " + kind + " must be a file, not a directory; provided: " + file);
    }
    boolean created;
    Object identity;
    try {
      synchronized (openJournals) {
        created = createIfMissing(path);
        identity = identity(path);
        if (!openJournals.add(identity)) {
          throw new IllegalStateException(
              kind
                  + " "
                  + file
                  + " is already open in this JVM; close that store before opening it again");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + kind + " " + file, e);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, READ, WRITE);
      FileLock fileLock = lock(kind, channel, file);
      long end = recover(kind, header, channel, file, log, replay, maxPayload);
      if (created) {
        syncDirectory(parent);
      }
      return new JournalFile(
          kind, file, identity, channel, fileLock, header.length, end, maxPayload);
    } catch (IOException e) {
      closeQuietly(channel);
      release(identity);
      throw new UncheckedIOException("cannot open " + kind + " " + file, e);
    } catch (RuntimeException | Error e) {
      closeQuietly(channel);
      release(identity);
      throw e;
    }
  }

  /**
   * Appends one complete record at the end and forces it to disk before returning.
   *
   * @param record a buffer whose remaining bytes are the record
   * @throws IllegalStateException if the file is closed or an earlier write failed
   * @throws UncheckedIOException if the write or force fails; the file refuses every later call
   */
  public void append(ByteBuffer record) {
    checkUsable();
    long at = end;
    Future<?> write =
        writer.submit(
            () -> {
              long position = at;
              while (record.hasRemaining()) {
                position += channel.write(record, position);
              }
              channel.force(false);
              return null;
            });
    try {
      Uninterruptibles.getUninterruptibly(write);
    } catch (ExecutionException e) {
      failed = true;
      throw new UncheckedIOException(
          "cannot append to "
              + kind
              + " "
              + file
              + " at byte offset "
              + at
              + "; the store refuses further calls, reopen it to recover",
          e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
    }
    end = at + record.limit();
  }

  /**
   * Reads the payload of every record now in the file, without changing it. Stops at the first bad
   * record; the caller compares what it got with what it wrote.
   *
   * @throws IllegalStateException if the file is closed or an earlier write failed
   * @throws UncheckedIOException if the file cannot be read
   */
  public List<byte[]> readAll() {
    checkUsable();
    List<byte[]> out = new ArrayList<>();
    try {
      long size = channel.size();
      Reader reader = new Reader(channel, size, maxPayload);
      long position = headerLength;
      while (position < size) {
        byte[] payload = reader.record(position);
        if (payload == null) {
          break;
        }
        out.add(payload);
        position += JournalFormat.OVERHEAD + payload.length;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kind + " " + file, e);
    }
    return out;
  }

  /**
   * Stops the writer thread, releases the file lock and closes the file; idempotent.
   *
   * @throws UncheckedIOException if closing the file fails (it is closed anyway)
   */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writer.shutdown();
    try {
      if (channel.isOpen()) {
        fileLock.release();
      }
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + kind + " " + file, e);
    } finally {
      release(identity);
    }
  }

  /** Throws {@link IllegalStateException} if the file is closed or an earlier write failed. */
  public void checkUsable() {
    if (closed) {
      throw new IllegalStateException(kind + " is closed: " + file);
    }
    if (failed) {
      throw new IllegalStateException(
          kind + " " + file + " failed to write; close the store and reopen the file");
    }
  }

  /** Whether {@link #close()} was called. */
  boolean isClosed() {
    return closed;
  }

  /**
   * Checks the header, replays every complete record and drops a torn last record.
   *
   * @return the end of the last good record
   */
  private static long recover(
      String kind,
      byte[] header,
      FileChannel channel,
      Path file,
      Logger log,
      Replay replay,
      int maxPayload)
      throws IOException {
    long size = channel.size();
    Reader reader = new Reader(channel, size, maxPayload);
    int headerLength = header.length;
    if (size < headerLength) {
      // Empty, or a crash while the header was written: (re)write it.
      byte[] present = reader.read(0, (int) size);
      if (!Arrays.equals(present, 0, present.length, header, 0, present.length)) {
        throw new IllegalStateException(
            "file " + file + " is not a cleanroom " + kind + " (unrecognized header)");
      }
      ByteBuffer h = ByteBuffer.wrap(header);
      long position = 0;
      while (h.hasRemaining()) {
        position += channel.write(h, position);
      }
      channel.force(true);
      return headerLength;
    }
    if (!Arrays.equals(reader.read(0, headerLength), header)) {
      throw new IllegalStateException(
          "file " + file + " is not a cleanroom " + kind + " (unrecognized header)");
    }
    long position = headerLength;
    while (position < size) {
      byte[] payload = reader.record(position);
      if (payload == null) {
        dropTornTail(kind, channel, file, log, reader, position, size);
        return position;
      }
      try {
        replay.accept(payload);
      } catch (IllegalArgumentException e) {
        throw damaged(kind, file, position, e.getMessage());
      }
      position += JournalFormat.OVERHEAD + payload.length;
    }
    return position;
  }

  /**
   * The bytes from {@code position} to the end do not form a good record. They are a torn last
   * record only if they could be one record and no good record starts anywhere after {@code
   * position}; then the file is truncated to {@code position}. Otherwise the damage is in the
   * middle, and refusing to open is the only safe answer: dropping good records would lose history
   * (and, for a budget, give budget back).
   */
  private static void dropTornTail(
      String kind,
      FileChannel channel,
      Path file,
      Logger log,
      Reader reader,
      long position,
      long size)
      throws IOException {
    long tail = size - position;
    if (tail > (long) reader.maxPayload + JournalFormat.OVERHEAD) {
      throw damaged(
          kind, file, position, "a bad record is followed by more bytes than one record can hold");
    }
    for (long p = position + 1; p + JournalFormat.OVERHEAD <= size; p++) {
      if (reader.record(p) != null) {
        throw damaged(
            kind, file, position, "a bad record is followed by a good record at byte offset " + p);
      }
    }
    channel.truncate(position);
    channel.force(true);
    log.warn(
        "{} {}: dropped an incomplete or damaged last record at byte offset {} ({}"
            + " bytes), left by an interrupted write",
        kind,
        file,
        position,
        tail);
  }

  private static IllegalStateException damaged(
      String kind, Path file, long position, String reason) {
    return new IllegalStateException(
        kind
            + " "
            + file
            + " is damaged at byte offset "
            + position
            + ": "
            + reason
            + "; refusing to open it (restore it from a backup)");
  }

  private static FileLock lock(String kind, FileChannel channel, Path file) throws IOException {
    FileLock fileLock;
    try {
      fileLock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException(kind + " " + file + " is already locked in this JVM", e);
    }
    if (fileLock == null) {
      throw new IllegalStateException(
          kind + " " + file + " is locked by another process; only one store may use it");
    }
    return fileLock;
  }

  private static boolean createIfMissing(Path path) throws IOException {
    if (Files.exists(path)) {
      return false;
    }
    try {
      Files.createFile(path);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false; // another process created it meanwhile; the file lock decides who uses it
    }
  }

  /** The file's identity without opening it: its file key (device and inode), else real path. */
  private static Object identity(Path path) throws IOException {
    Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    return key != null ? key : path.toRealPath();
  }

  private static void release(Object identity) {
    synchronized (openJournals) {
      openJournals.remove(identity);
    }
  }

  /** Makes a new file's directory entry durable where the platform allows it. */
  private static void syncDirectory(Path directory) {
    try (FileChannel d = FileChannel.open(directory, READ)) {
      d.force(true);
    } catch (IOException | RuntimeException e) {
      // Not supported everywhere (e.g. Windows); the file's own data is forced regardless.
      debugLog.debug("journal: cannot sync directory {}", directory, e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close(); // also releases the file lock
    } catch (IOException e) {
      debugLog.debug("journal: cannot close after a failed open", e);
    }
  }

  /** Reads a journal of a known size through a window, so replay needs few system calls. */
  private static final class Reader {
    private final FileChannel channel;
    private final long size;
    private final int maxPayload;
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;

    Reader(FileChannel channel, long size, int maxPayload) {
      this.channel = channel;
      this.size = size;
      this.maxPayload = maxPayload;
    }

    /** {@code length} bytes from {@code position}; the range must lie inside the file. */
    byte[] read(long position, int length) throws IOException {
      if (position < windowStart || position + length > windowStart + window.limit()) {
        int capacity = (int) Math.min(Math.max(READ_WINDOW, length), size - position);
        ByteBuffer w = ByteBuffer.allocate(capacity);
        while (w.hasRemaining()) {
          int n = channel.read(w, position + w.position());
          if (n < 0) {
            throw new IOException("journal shrank while it was read");
          }
        }
        w.flip();
        window = w;
        windowStart = position;
      }
      byte[] out = new byte[length];
      window.get((int) (position - windowStart), out);
      return out;
    }

    /**
     * The payload of the record at {@code position} if a whole record with a matching checksum
     * starts there, else null.
     */
    byte[] record(long position) throws IOException {
      if (size - position < JournalFormat.OVERHEAD) {
        return null;
      }
      byte[] head = read(position, 5);
      if (head[0] != JournalFormat.MAGIC) {
        return null;
      }
      int length = ByteBuffer.wrap(head, 1, 4).getInt();
      if (length < 1 || length > maxPayload || length > size - position - JournalFormat.OVERHEAD) {
        return null;
      }
      byte[] rest = read(position + 5, length + 4);
      CRC32C crc = new CRC32C();
      crc.update(head);
      crc.update(rest, 0, length);
      if ((int) crc.getValue() != ByteBuffer.wrap(rest, length, 4).getInt()) {
        return null;
      }
      return Arrays.copyOf(rest, length);
    }
  }
}
