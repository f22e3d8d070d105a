/**
 * Privacy primitives: exact discrete Laplace and Gaussian samplers over secure randomness, noise
 * mechanisms and their intervals, private partition selection, contribution bounding, the keyed
 * choice of each person's groups, and exact sums ({@link dev.cleanroom.dp.ExactSum}, {@link
 * dev.cleanroom.dp.UnitSum} and their per-person companions).
 */
package dev.cleanroom.dp;
