package io.chorus.audio.wave;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;

/**
 * My Wave's settings (issue 18). {@code feedbackTopic}: where feedback is announced (and read back from,
 * so feedback another service publishes there counts too); {@code consumerGroup}: the one group, over
 * all nodes, that turns {@code track.played} and {@code feedbackTopic} into taste signals;
 * {@code repeatWindow}: a track is not served again to a listener before this many others were served
 * to them; {@code explorationPercent}: the share of each answer picked outside the listener's taste;
 * {@code roomQueueMin}: a room playing its host's wave is topped up to this many queued tracks, checked
 * every {@code roomSweepMs}.
 */
public record WaveConfig(String feedbackTopic, String consumerGroup, int repeatWindow, int explorationPercent, int roomQueueMin,
                         int roomSweepMs) {

  public static WaveConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    return new WaveConfig(p.topic("WAVE_TOPIC_FEEDBACK"), p.nonEmpty("WAVE_CONSUMER_GROUP"), p.intIn("WAVE_REPEAT_WINDOW", 0, 10_000),
        p.intIn("WAVE_EXPLORATION_PERCENT", 0, 100), p.intIn("WAVE_ROOM_QUEUE_MIN", 1, 50), p.intIn("WAVE_ROOM_SWEEP_MS", 100, 600_000));
  }
}
