/**
 * The lab: real hosts on one machine (network namespaces with OpenSSH, or in-process MINA SSHD
 * hosts), the stand-ins for what cannot run here (Kubernetes API, kubeadm, kubelet), and fault
 * injection. Test and demo infrastructure only: nothing on Graft's production path depends on it.
 */
package dev.graft.lab;
