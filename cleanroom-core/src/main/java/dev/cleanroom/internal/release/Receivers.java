package dev.cleanroom.internal.release;

import dev.cleanroom.Dataset;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.query.PolicyCheck;
import java.util.ArrayList;
import java.util.List;

/** The checks that every party receiving a result is allowed by every touched dataset. */
public final class Receivers {
  private Receivers() {}

  /** One {@link PolicyRule#RESULT_RECEIVER_ALLOWED} check per dataset and receiver. */
  public static List<PolicyCheck> checks(List<Dataset> datasets, List<String> receivers) {
    List<PolicyCheck> out = new ArrayList<>();
    for (Dataset d : datasets) {
      for (String r : receivers) {
        boolean ok = d.policy().receivers().contains(r);
        out.add(
            new PolicyCheck(
                d.qualifiedName(),
                d.owner(),
                PolicyRule.RESULT_RECEIVER_ALLOWED,
                ok,
                ok
                    ? "result receiver " + r + " is allowed"
                    : "result receiver " + r + " is not among the allowed result receivers"));
      }
    }
    return out;
  }
}
