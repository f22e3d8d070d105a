package dev.cleanroom;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.engine.Settings;
import dev.cleanroom.spi.DataSource;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every public constructor, factory and method of the core value types rejects null. */
class NullPointerTest {
  private NullPointerTester tester;

  @BeforeEach
  void setUp() {
    tester =
        new NullPointerTester()
            .setDefault(String.class, "valid_name")
            .setDefault(SecretKey.class, SecretKey.of(new byte[16]))
            .setDefault(Schema.class, Schema.of(Column.string("user_id")))
            .setDefault(DataSource.class, FixedSchemaSource.standard())
            .setDefault(Bounds.class, Bounds.of(0, 1))
            .setDefault(Clock.class, Clock.systemUTC())
            .setDefault(
                Policy.class, Policy.builder().allowAnalysts("a").minDistinctUsers(2).build());
  }

  @Test
  void party_rejectsNull() {
    tester.testAllPublicConstructors(Party.class);
    tester.testAllPublicStaticMethods(Party.class);
    tester.testAllPublicInstanceMethods(Party.of("p"));
  }

  @Test
  void column_rejectsNull() {
    tester.testAllPublicConstructors(Column.class);
    tester.testAllPublicStaticMethods(Column.class);
    tester.testAllPublicInstanceMethods(Column.string("c"));
  }

  @Test
  void schema_rejectsNull() {
    tester.testAllPublicConstructors(Schema.class);
    tester.testAllPublicStaticMethods(Schema.class);
    tester.testAllPublicInstanceMethods(Schema.of(Column.string("c")));
  }

  @Test
  void bounds_rejectsNull() {
    tester.testAllPublicConstructors(Bounds.class);
    tester.testAllPublicStaticMethods(Bounds.class);
    tester.testAllPublicInstanceMethods(Bounds.of(0, 1));
  }

  @Test
  void secretKey_rejectsNull() {
    tester.testAllPublicStaticMethods(SecretKey.class);
    tester.testAllPublicInstanceMethods(SecretKey.random());
  }

  @Test
  void policy_rejectsNull() {
    tester.testAllPublicStaticMethods(Policy.class);
    tester.testAllPublicInstanceMethods(
        Policy.builder().allowAnalysts("a").minDistinctUsers(2).build());
  }

  @Test
  void policyBuilder_rejectsNull() {
    tester.testAllPublicInstanceMethods(Policy.builder());
  }

  @Test
  void dataset_rejectsNull() {
    tester.testAllPublicStaticMethods(Dataset.class);
    tester.testAllPublicInstanceMethods(
        Dataset.builder("p", "d")
            .source(FixedSchemaSource.standard())
            .userId("user_id")
            .metric("revenue", 0, 1)
            .policy(Policy.builder().allowAnalysts("a").minDistinctUsers(2).build())
            .build());
  }

  @Test
  void datasetBuilder_rejectsNull() {
    tester.testAllPublicInstanceMethods(Dataset.builder("p", "d"));
  }

  @Test
  void cleanRoomBuilder_rejectsNull() {
    tester.testAllPublicStaticMethods(CleanRoom.class);
    tester.testAllPublicInstanceMethods(CleanRoom.builder());
    tester.testAllPublicConstructors(Settings.class);
  }

  @Test
  void exceptions_rejectNull() {
    tester.testAllPublicConstructors(PolicyViolationException.class);
  }
}
