package io.chorus.audio;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Parse;

import java.nio.file.Path;

/**
 * The audio feature's settings. {@code consumerGroupPrefix}: every node consumes {@code track.processed}
 * in its own group {@code <prefix>-<nodeId>} so that every node's in-memory index holds every track.
 * {@code embeddingModel}: an ONNX audio-embedding model for similar songs, null for the handcrafted vector;
 * its input's sample rate, window (when the model's input length is free) and inference threads.
 * {@code identifyMaxInFlight}: identify requests a node takes at once (more are refused with 503).
 */
public record AudioConfig(String consumerGroupPrefix, Path embeddingModel, int embeddingSampleRate, double embeddingWindowSeconds,
                          int embeddingThreads, int identifyMaxInFlight) {

  public static AudioConfig of(ChorusConfig config) {
    Parse p = new Parse(config.source());
    String model = p.string(ModelSound.MODEL).strip();
    return new AudioConfig(p.nonEmpty("AUDIO_CONSUMER_GROUP_PREFIX"), model.isEmpty() ? null : Path.of(model),
        p.intIn("AUDIO_EMBEDDING_SAMPLE_RATE", 8000, 48000), p.intIn("AUDIO_EMBEDDING_WINDOW_SECONDS", 1, 60),
        p.intIn("AUDIO_EMBEDDING_THREADS", 1, 64), p.intIn("AUDIO_IDENTIFY_MAX_IN_FLIGHT", 1, 10_000));
  }
}
