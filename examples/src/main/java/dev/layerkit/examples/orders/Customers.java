package dev.layerkit.examples.orders;

import java.util.Optional;
import java.util.regex.Pattern;

/** Customer profiles: {@code c-1} to {@code c-1000}, made up from the id. */
final class Customers {

  static final int COUNT = 1000;
  private static final Pattern ID = Pattern.compile("c-([1-9][0-9]{0,3})");
  private static final String[] NAMES = {"Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret",
      "Dennis", "Frances", "Edsger", "Radia"};

  /**
   * A customer's profile.
   *
   * @param id the id
   * @param name the name
   * @param email the address
   * @param tier the loyalty tier
   */
  record Profile(String id, String name, String email, String tier) {}

  Optional<Profile> find(String id) {
    var matcher = ID.matcher(id);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    int number = Integer.parseInt(matcher.group(1));
    if (number > COUNT) {
      return Optional.empty();
    }
    String name = NAMES[number % NAMES.length] + " " + number;
    String tier = number % 10 == 0 ? "gold" : number % 3 == 0 ? "silver" : "standard";
    return Optional.of(new Profile(id, name, "customer" + number + "@example.com", tier));
  }
}
