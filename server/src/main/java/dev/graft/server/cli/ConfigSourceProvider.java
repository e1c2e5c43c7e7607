package dev.graft.server.cli;

import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a configuration from a file, or from the classpath when the path starts with {@code
 * classpath:} (the defaults {@code graft dev} uses without a file), and substitutes environment
 * variables ({@code ${TEMPORAL_ADDRESS:-127.0.0.1:7233}}) in either.
 */
public final class ConfigSourceProvider implements ConfigurationSourceProvider {
  public static final String CLASSPATH = "classpath:";

  private final ConfigurationSourceProvider delegate =
      new SubstitutingSourceProvider(
          new ConfigurationSourceProvider() {
            private final FileConfigurationSourceProvider files =
                new FileConfigurationSourceProvider();
            private final ResourceConfigurationSourceProvider resources =
                new ResourceConfigurationSourceProvider();

            @Override
            public InputStream open(String path) throws IOException {
              if (path.startsWith(CLASSPATH)) {
                InputStream in = resources.open(path.substring(CLASSPATH.length()));
                if (in == null) {
                  throw new IOException("no configuration resource " + path);
                }
                return in;
              }
              return files.open(path);
            }
          },
          new EnvironmentVariableSubstitutor(false));

  @Override
  public InputStream open(String path) throws IOException {
    return delegate.open(path);
  }
}
