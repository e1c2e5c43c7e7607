package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;

/** A read of one cluster's etcd: endpoints and client TLS files (paths on the worker). */
public record ClusterRequest(String cluster, EtcdSpec etcd) {}
