package dev.cleanroom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

class PolicyProperties {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private static void checkAcceptedIff(boolean expected, int value, IntFunction<Policy> build) {
    if (expected) {
      assertNotNull(build.apply(value));
    } else {
      assertThrows(IllegalArgumentException.class, () -> build.apply(value));
    }
  }

  @Provide
  Arbitrary<Integer> nearBounds() {
    return Arbitraries.oneOf(
        Arbitraries.integers(),
        Arbitraries.integers().between(-5, 5),
        Arbitraries.integers().between(99_995, 100_005));
  }

  @Property
  void minDistinctUsers_isAcceptedIffBetweenTwoAnd100000(@ForAll("nearBounds") int k) {
    boolean expected = k >= 2 && k <= 100_000;
    checkAcceptedIff(
        expected, k, v -> Policy.builder().allowAnalysts("a").minDistinctUsers(v).build());
    if (expected) {
      assertEquals(
          k, Policy.builder().allowAnalysts("a").minDistinctUsers(k).build().minDistinctUsers());
    }
  }

  @Property
  void maxGroupsPerUser_isAcceptedIffBetweenOneAnd100000(@ForAll("nearBounds") int groups) {
    checkAcceptedIff(
        groups >= 1 && groups <= 100_000,
        groups,
        v -> Policy.builder().allowAnalysts("a").minDistinctUsers(2).maxGroupsPerUser(v).build());
  }

  @Property
  void maxContributionsPerGroup_isAcceptedIffBetweenOneAnd100000(@ForAll("nearBounds") int rows) {
    checkAcceptedIff(
        rows >= 1 && rows <= 100_000,
        rows,
        v ->
            Policy.builder()
                .allowAnalysts("a")
                .minDistinctUsers(2)
                .maxContributionsPerGroup(v)
                .build());
  }

  @Provide
  Arbitrary<Double> anyDouble() {
    return Arbitraries.doubles().withStandardSpecialValues();
  }

  @Property
  void clampPerGroup_isAcceptedIffFiniteAndOrdered(
      @ForAll("anyDouble") double lower, @ForAll("anyDouble") double upper) {
    boolean expected = Double.isFinite(lower) && Double.isFinite(upper) && lower <= upper;
    if (expected) {
      Policy p =
          Policy.builder()
              .allowAnalysts("a")
              .minDistinctUsers(2)
              .clampPerGroup("m", lower, upper)
              .build();
      assertEquals(Optional.of(Bounds.of(lower, upper)), p.groupClamp("m"));
    } else {
      assertThrows(
          IllegalArgumentException.class,
          () ->
              Policy.builder()
                  .allowAnalysts("a")
                  .minDistinctUsers(2)
                  .clampPerGroup("m", lower, upper)
                  .build());
    }
  }

  @Property
  void analystName_isAcceptedIffValidName(
      @ForAll @StringLength(max = 130) @AlphaChars @NumericChars @Chars({'_', '-', '.', ' '})
          String name) {
    if (NAME.matcher(name).matches()) {
      Policy p = Policy.builder().allowAnalysts(name).minDistinctUsers(2).build();
      assertEquals(Set.of(name), p.analysts());
    } else {
      assertThrows(
          IllegalArgumentException.class,
          () -> Policy.builder().allowAnalysts(name).minDistinctUsers(2).build());
    }
  }

  @Property
  void analysts_neverContainMoreThanGiven(
      @ForAll @IntRange(min = 1, max = 5) int count, @ForAll @IntRange(min = 2, max = 99) int k) {
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      names[i] = "party_" + (i % 3);
    }
    Policy p = Policy.builder().allowAnalysts(names).minDistinctUsers(k).build();
    assertEquals(Math.min(count, 3), p.analysts().size());
    assertEquals(k, p.minDistinctUsers());
  }
}
