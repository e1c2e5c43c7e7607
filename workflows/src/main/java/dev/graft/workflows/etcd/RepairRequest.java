package dev.graft.workflows.etcd;

import dev.graft.workflows.model.EtcdSpec;
import java.util.List;

/**
 * Removes members this operation owns ({@code ownedPeerUrls}, its nodes' peer URLs) that an earlier
 * attempt, or kubeadm, left behind as learners, never started or unhealthy.
 */
public record RepairRequest(String cluster, EtcdSpec etcd, List<String> ownedPeerUrls) {}
