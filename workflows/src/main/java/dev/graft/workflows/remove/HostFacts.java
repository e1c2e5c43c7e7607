package dev.graft.workflows.remove;

import dev.graft.workflows.step.Observation;
import java.util.List;

/** What kubeadm left on a host (read-only): the files of a join or an init that are there. */
public record HostFacts(String node, List<String> kubeadmFiles, String summary, int attempt)
    implements Observation {
  public HostFacts {
    kubeadmFiles = kubeadmFiles == null ? List.of() : List.copyOf(kubeadmFiles);
  }

  @Override
  public String outputTail() {
    return "";
  }
}
