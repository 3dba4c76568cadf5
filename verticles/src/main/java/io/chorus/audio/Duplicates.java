package io.chorus.audio;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The groups of tracks that are the same recording (connected by {@code track_duplicates} links), as a
 * union-find with each group's members: {@link #root} names a group, {@link #groupOf} lists it.
 */
final class Duplicates {
  private final Map<UUID, UUID> parent = new HashMap<>();
  private final Map<UUID, Set<UUID>> members = new HashMap<>();

  synchronized void link(UUID a, UUID b) {
    UUID ra = find(a);
    UUID rb = find(b);
    if (ra.equals(rb)) {
      return;
    }
    Set<UUID> ma = members.computeIfAbsent(ra, k -> new HashSet<>(Set.of(k)));
    Set<UUID> mb = members.computeIfAbsent(rb, k -> new HashSet<>(Set.of(k)));
    if (ma.size() < mb.size()) {   // the smaller group joins the larger
      UUID t = ra;
      ra = rb;
      rb = t;
      Set<UUID> tm = ma;
      ma = mb;
      mb = tm;
    }
    parent.put(rb, ra);
    ma.addAll(mb);
    members.remove(rb);
  }

  /** The group's representative (the track itself when it has no copies). */
  synchronized UUID root(UUID track) {
    return find(track);
  }

  /** Every track of {@code track}'s group, itself included. */
  synchronized Set<UUID> groupOf(UUID track) {
    Set<UUID> m = members.get(find(track));
    return m == null ? Set.of(track) : Set.copyOf(m);
  }

  private UUID find(UUID x) {
    UUID p = parent.get(x);
    if (p == null) {
      return x;
    }
    UUID root = find(p);
    if (!root.equals(p)) {
      parent.put(x, root);   // path compression
    }
    return root;
  }
}
