package dev.cleanroom.spi;

/**
 * What a source can do beyond a plain scan.
 *
 * @param filterPushdown whether the source applies {@link ScanRequest#filter()} itself
 */
public record SourceCapabilities(boolean filterPushdown) {
  /** A plain scan of the requested columns. */
  public static final SourceCapabilities NONE = new SourceCapabilities(false);
}
