package dev.graft.workflows.etcd;

import dev.graft.workflows.model.NodeSpec;
import java.util.List;

/** Point every control-plane kube-apiserver at {@code etcdServers} and check each reaches them. */
public record ApiServerRequest(
    String cluster, List<NodeSpec> controlPlanes, List<String> etcdServers) {}
