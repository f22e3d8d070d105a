/**
 * The one meaning of a person: {@link dev.cleanroom.pseudonymization.Pseudonymizer} normalizes a
 * user id by its {@link dev.cleanroom.UserIdFormat} and keys it with HMAC-SHA-256 under the room's
 * key; every execution path, a database's included, uses this normalization.
 */
package dev.cleanroom.pseudonymization;
