/**
 * The cleanroom engine. Exported: budget stores ({@code budget}), audit trails and sinks ({@code
 * audit}), the pseudonymization of user ids ({@code pseudonymization}), the built-in data sources
 * ({@code source}, {@code jdbc}), policy documents and AWS rule import ({@code policy}), the stores
 * of room state ({@code state}) and the static HTML report of results ({@code report}). Internal,
 * in pipeline order: {@code plan} (names, policy checks, noise plan, the one path decision), {@code
 * execution} (the scan strategies and the one contribution bounder), {@code release} (the one
 * release stage: threshold, partition selection, noise, difference checks, budgets and query
 * limits, cohorts, incidents), {@code room} (the room that runs them), {@code journal} (the
 * append-only file format under budgets, audit and room state), {@code internal.sqlstore} (what the
 * budget store and audit trail in a database share), {@code internal.state} (the one-line text form
 * of templates and results in a state store) and {@code internal.source} (what the built-in sources
 * share: the log of skipped malformed rows).
 */
module dev.cleanroom.core {
  requires transitive dev.cleanroom.api;
  requires dev.cleanroom.dp;
  requires com.google.common;
  requires org.apache.commons.codec;
  requires org.slf4j;
  requires net.sf.jsqlparser;
  requires org.snakeyaml.engine.v2;
  requires transitive java.sql;

  exports dev.cleanroom.audit;
  exports dev.cleanroom.budget;
  exports dev.cleanroom.policy;
  exports dev.cleanroom.pseudonymization;
  exports dev.cleanroom.report;
  exports dev.cleanroom.source;
  exports dev.cleanroom.jdbc;
  exports dev.cleanroom.state;

  provides dev.cleanroom.engine.CleanRoomProvider with
      dev.cleanroom.internal.room.EngineProvider;
}
