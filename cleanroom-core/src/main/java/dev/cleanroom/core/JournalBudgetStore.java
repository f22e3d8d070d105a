package dev.cleanroom.core;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.google.common.util.concurrent.Uninterruptibles;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
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
 * A {@link BudgetStore} backed by an append-only journal file in {@link JournalFormat}. Made by
 * {@link BudgetStores#journal(Path)}; see there for the guarantees.
 *
 * <p>Concurrency: one lock guards the ledgers and the file's end. A charge checks, writes its one
 * record, forces it to disk and only then adds to the ledgers, all under that lock, so racing
 * threads never overspend and a charge that returns is durable. Writes and forces run on a private
 * single thread that is never interrupted: an interrupt of a caller would otherwise close the
 * {@link FileChannel} (and drop the file lock) for every user of the store. The caller waits for
 * that thread uninterruptibly and keeps its interrupt status.
 *
 * <p>Failure: if a write or force fails, whether the record reached the disk is unknown, so the
 * store refuses every later call with {@link IllegalStateException}. Reopening the file replays
 * what did reach the disk (a torn last record is dropped). A charge that failed this way was never
 * reported as successful, so no result was released for it; if its record did reach the disk it
 * counts as spent, which errs against the analyst, never against privacy.
 */
final class JournalBudgetStore implements BudgetStore {
  private static final Logger log = LoggerFactory.getLogger(JournalBudgetStore.class);

  /**
   * Identities (file keys, else real paths) of the journals open in this JVM. Checked before a
   * second channel to the same file is ever opened: on POSIX systems, closing any descriptor of a
   * file drops every lock this process holds on it, so a failed second open must not even open the
   * file.
   */
  private static final Set<Object> openJournals = new HashSet<>();

  private static final int READ_WINDOW = 64 * 1024;

  private final Path file;
  private final Object identity;
  private final FileChannel channel;
  private final FileLock fileLock;
  private final ExecutorService writer;

  private final Object lock = new Object();

  // Guarded by lock.
  private final BudgetLedgers ledgers;

  // Guarded by lock: the end of the last good record, where the next record goes.
  private long end;

  // Guarded by lock.
  private boolean closed;

  // Guarded by lock: a write or force failed; the disk state is unknown.
  private boolean failed;

  private JournalBudgetStore(
      Path file,
      Object identity,
      FileChannel channel,
      FileLock fileLock,
      BudgetLedgers ledgers,
      long end) {
    this.file = file;
    this.identity = identity;
    this.channel = channel;
    this.fileLock = fileLock;
    this.ledgers = ledgers;
    this.end = end;
    this.writer =
        Executors.newSingleThreadExecutor(
            new ThreadFactoryBuilder()
                .setDaemon(true)
                .setNameFormat("cleanroom-budget-journal-%d")
                .build());
  }

  /**
   * Opens or creates the journal at {@code file}, locks it and replays it.
   *
   * @throws NullPointerException if {@code file} is null
   * @throws IllegalArgumentException if the parent directory does not exist or {@code file} is a
   *     directory
   * @throws IllegalStateException if the journal is open elsewhere (this JVM or another process),
   *     is not a budget journal, or is damaged before its last record
   * @throws UncheckedIOException if the file cannot be read, written or locked
   */
  static JournalBudgetStore open(Path file) {
    Objects.requireNonNull(file, "file");
    Path path = file.toAbsolutePath();
    Path parent = path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          "the directory of the budget journal must exist; provided file: " + file);
    }
    if (Files.isDirectory(path)) {
      throw new IllegalArgumentException(
          "the budget journal must be a file, not a directory; provided: " + file);
    }
    boolean created;
    Object identity;
    try {
      synchronized (openJournals) {
        created = createIfMissing(path);
        identity = identity(path);
        if (!openJournals.add(identity)) {
          throw new IllegalStateException(
              "budget journal "
                  + file
                  + " is already open in this JVM; close that store before opening it again");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create budget journal " + file, e);
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(path, READ, WRITE);
      FileLock fileLock = lock(channel, file);
      BudgetLedgers ledgers = new BudgetLedgers();
      long end = recover(channel, file, ledgers);
      if (created) {
        syncDirectory(parent);
      }
      return new JournalBudgetStore(file, identity, channel, fileLock, ledgers, end);
    } catch (IOException e) {
      closeQuietly(channel);
      release(identity);
      throw new UncheckedIOException("cannot open budget journal " + file, e);
    } catch (RuntimeException | Error e) {
      closeQuietly(channel);
      release(identity);
      throw e;
    }
  }

  @Override
  public List<LedgerCharge.Spent> charge(List<LedgerCharge> charges) {
    synchronized (lock) {
      checkUsable();
      List<LedgerCharge> copy = BudgetLedgers.validate(charges);
      ByteBuffer record = JournalFormat.encode(copy);
      ledgers.check(copy);
      long at = end;
      Future<?> write =
          writer.submit(
              () -> {
                writeFully(record, at);
                channel.force(false);
                return null;
              });
      try {
        Uninterruptibles.getUninterruptibly(write);
      } catch (ExecutionException e) {
        failed = true;
        throw new UncheckedIOException(
            "cannot append to budget journal "
                + file
                + " at byte offset "
                + at
                + "; the store refuses further calls, reopen it to recover",
            e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
      }
      end = at + record.limit();
      return ledgers.apply(copy);
    }
  }

  @Override
  public LedgerCharge.Spent spent(String ledger) {
    Objects.requireNonNull(ledger, "ledger");
    synchronized (lock) {
      checkUsable();
      return ledgers.spent(ledger);
    }
  }

  /**
   * Stops the writer thread, releases the file lock and closes the file; idempotent. Every
   * successful charge was already forced to disk, so nothing is lost.
   *
   * @throws UncheckedIOException if closing the file fails (the store is closed anyway)
   */
  @Override
  public void close() {
    synchronized (lock) {
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
        throw new UncheckedIOException("cannot close budget journal " + file, e);
      } finally {
        release(identity);
      }
    }
  }

  @Override
  public String toString() {
    return "BudgetStores.journal(" + file + ")";
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("budget store is closed: " + this);
    }
    if (failed) {
      throw new IllegalStateException(
          "budget journal " + file + " failed to write; close the store and reopen the file");
    }
  }

  private void writeFully(ByteBuffer record, long at) throws IOException {
    long position = at;
    while (record.hasRemaining()) {
      position += channel.write(record, position);
    }
  }

  /**
   * Checks the header, replays every complete record into {@code ledgers} and drops a torn last
   * record.
   *
   * @return the end of the last good record
   * @throws IllegalStateException if the file is not a budget journal or is damaged before its last
   *     record
   */
  private static long recover(FileChannel channel, Path file, BudgetLedgers ledgers)
      throws IOException {
    long size = channel.size();
    Reader reader = new Reader(channel, size);
    int headerLength = JournalFormat.HEADER.length;
    if (size < headerLength) {
      // Empty, or a crash while the header was written: (re)write it.
      byte[] present = reader.read(0, (int) size);
      if (!JournalFormat.isHeaderPrefix(present)) {
        throw new IllegalStateException(
            "file " + file + " is not a cleanroom budget journal (unrecognized header)");
      }
      ByteBuffer header = ByteBuffer.wrap(JournalFormat.HEADER);
      long position = 0;
      while (header.hasRemaining()) {
        position += channel.write(header, position);
      }
      channel.force(true);
      return headerLength;
    }
    if (!Arrays.equals(reader.read(0, headerLength), JournalFormat.HEADER)) {
      throw new IllegalStateException(
          "file " + file + " is not a cleanroom budget journal (unrecognized header)");
    }
    long position = headerLength;
    while (position < size) {
      byte[] payload = reader.record(position);
      if (payload == null) {
        dropTornTail(channel, file, reader, position, size);
        return position;
      }
      List<JournalFormat.Entry> entries;
      try {
        entries = JournalFormat.decode(payload);
      } catch (IllegalArgumentException e) {
        throw damaged(file, position, e.getMessage());
      }
      for (JournalFormat.Entry entry : entries) {
        ledgers.add(entry.ledger(), entry.epsilon(), entry.delta());
      }
      position += JournalFormat.OVERHEAD + payload.length;
    }
    return position;
  }

  /**
   * The bytes from {@code position} to the end do not form a good record. They are a torn last
   * record only if they could be one record and no good record starts anywhere after {@code
   * position}; then the file is truncated to {@code position}. Otherwise the damage is in the
   * middle, and refusing to open is the only safe answer: dropping good records would give budget
   * back.
   */
  private static void dropTornTail(
      FileChannel channel, Path file, Reader reader, long position, long size) throws IOException {
    long tail = size - position;
    if (tail > JournalFormat.MAX_RECORD) {
      throw damaged(
          file, position, "a bad record is followed by more bytes than one record can hold");
    }
    for (long p = position + 1; p + JournalFormat.OVERHEAD <= size; p++) {
      if (reader.record(p) != null) {
        throw damaged(
            file, position, "a bad record is followed by a good record at byte offset " + p);
      }
    }
    channel.truncate(position);
    channel.force(true);
    log.warn(
        "budget journal {}: dropped an incomplete or damaged last record at byte offset {} ({}"
            + " bytes), left by an interrupted write",
        file,
        position,
        tail);
  }

  private static IllegalStateException damaged(Path file, long position, String reason) {
    return new IllegalStateException(
        "budget journal "
            + file
            + " is damaged at byte offset "
            + position
            + ": "
            + reason
            + "; refusing to open it (restore it from a backup)");
  }

  private static FileLock lock(FileChannel channel, Path file) throws IOException {
    FileLock fileLock;
    try {
      fileLock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException(
          "budget journal " + file + " is already locked in this JVM", e);
    }
    if (fileLock == null) {
      throw new IllegalStateException(
          "budget journal " + file + " is locked by another process; only one store may use it");
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
      log.debug("budget journal: cannot sync directory {}", directory, e);
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close(); // also releases the file lock
    } catch (IOException e) {
      log.debug("budget journal: cannot close after a failed open", e);
    }
  }

  /** Reads a journal of a known size through a window, so replay needs few system calls. */
  private static final class Reader {
    private final FileChannel channel;
    private final long size;
    private ByteBuffer window = ByteBuffer.allocate(0);
    private long windowStart;

    Reader(FileChannel channel, long size) {
      this.channel = channel;
      this.size = size;
    }

    /** {@code length} bytes from {@code position}; the range must lie inside the file. */
    byte[] read(long position, int length) throws IOException {
      if (position < windowStart || position + length > windowStart + window.limit()) {
        int capacity = (int) Math.min(Math.max(READ_WINDOW, length), size - position);
        ByteBuffer w = ByteBuffer.allocate(capacity);
        while (w.hasRemaining()) {
          int n = channel.read(w, position + w.position());
          if (n < 0) {
            throw new IOException("budget journal shrank while it was read");
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
      if (length < 1
          || length > JournalFormat.MAX_PAYLOAD
          || length > size - position - JournalFormat.OVERHEAD) {
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
