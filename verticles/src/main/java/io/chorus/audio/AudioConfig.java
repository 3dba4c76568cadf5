package io.chorus.audio;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;

/**
 * The audio feature's settings. {@code consumerGroupPrefix}: every node consumes {@code track.processed}
 * in its own group {@code <prefix>-<nodeId>} so that every node's in-memory index holds every track.
 */
public record AudioConfig(String consumerGroupPrefix) {

  public static AudioConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    return new AudioConfig(p.nonEmpty("AUDIO_CONSUMER_GROUP_PREFIX"));
  }
}
