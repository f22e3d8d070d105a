package dev.cleanroom;

/**
 * A participant of a clean room: a data owner, an analyst, or both.
 *
 * @param name the party's name: a letter or underscore, then letters, digits or underscores
 */
public record Party(String name) {
  /**
   * @param name the party's name: a letter or underscore, then letters, digits or underscores
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  public Party {
    Names.check("party name", name);
  }

  /**
   * Returns the party named {@code name}.
   *
   * @param name the party's name: a letter or underscore, then letters, digits or underscores
   * @return the party named {@code name}
   */
  public static Party of(String name) {
    return new Party(name);
  }
}
