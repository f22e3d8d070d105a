package dev.cleanroom.examples;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the peak heap of each iteration, in the benchmark's own (forked) JVM.
 * Used heap only grows between collections, so its peak is the heap in use just before one of the
 * iteration's collections, or at its end: the profiler listens to the collectors' notifications and
 * keeps the largest sum of the heap pools' usage before a collection, together with the usage at
 * the end. Before each iteration a full GC sets the baseline, which includes the data that the
 * benchmark's state holds. The figure counts garbage not yet collected, so the heap the run needs
 * is at most this; as the collector lets garbage pile up until the heap is nearly full, a run that
 * allocates much shows a figure close to its fork's {@code -Xmx}, and completing under that cap is
 * what proves it fits.
 */
public final class PeakHeapProfiler implements InternalProfiler {
  /** The name of the secondary result. */
  static final String RESULT = "peak.heap";

  private final AtomicLong peak = new AtomicLong();
  private final Set<String> heapPools =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(p -> p.getType() == MemoryType.HEAP)
          .map(MemoryPoolMXBean::getName)
          .collect(Collectors.toUnmodifiableSet());
  private volatile long since = Long.MAX_VALUE;
  private final NotificationListener listener = this::onCollection;

  /** A profiler; JMH creates it by reflection. */
  public PeakHeapProfiler() {}

  @Override
  public String getDescription() {
    return "peak heap per iteration (heap in use before each collection and at the end)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    System.gc();
    since = ManagementFactory.getRuntimeMXBean().getUptime();
    peak.set(heapUsed());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
      }
    }
  }

  @Override
  public Collection<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    try {
      // Notifications come on another thread: give the iteration's last ones time to arrive.
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        try {
          emitter.removeNotificationListener(listener);
        } catch (javax.management.ListenerNotFoundException e) {
          // Not registered: nothing to remove.
        }
      }
    }
    peak.accumulateAndGet(heapUsed(), Math::max);
    since = Long.MAX_VALUE;
    return List.of(new ScalarResult(RESULT, peak.get() / 1048576.0, "MiB", AggregationPolicy.MAX));
  }

  private void onCollection(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GcInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
    if (info.getStartTime() < since) {
      // The baseline's own collection, or one before it.
      return;
    }
    long before = 0;
    for (Map.Entry<String, MemoryUsage> e : info.getMemoryUsageBeforeGc().entrySet()) {
      if (heapPools.contains(e.getKey())) {
        before += e.getValue().getUsed();
      }
    }
    peak.accumulateAndGet(before, Math::max);
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
