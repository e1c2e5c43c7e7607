/**
 * How lab hosts are made and removed: netns hosts (namespaces held by a detached process, real
 * OpenSSH), in-process hosts (MINA SSHD + /bin/sh in a sandbox), the shell contract with the
 * stand-ins (lab.sh), and the teardown that only ever signals processes it can prove are the lab's.
 */
package dev.graft.lab.host;
