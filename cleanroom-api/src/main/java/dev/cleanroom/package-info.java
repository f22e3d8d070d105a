/**
 * The room and what data owners declare: {@link dev.cleanroom.CleanRoom} (built with {@link
 * dev.cleanroom.CleanRoom#builder()}), {@link dev.cleanroom.Dataset} (a source, its user id,
 * dimensions and metrics), {@link dev.cleanroom.Policy} (each owner's rules: analysts, k, L0,
 * clamps, differential privacy, query limits, cohorts), {@link dev.cleanroom.PrivacyBudget}, {@link
 * dev.cleanroom.SecretKey} and the exceptions, all under {@link dev.cleanroom.CleanRoomException}.
 * Queries start at {@link dev.cleanroom.CleanRoom#as(String)}; see {@link dev.cleanroom.query}.
 */
package dev.cleanroom;
