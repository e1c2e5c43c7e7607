# containerd stand-in (Graft lab; see docs/standins.md): answers --version, and otherwise holds a
# listening unix socket at /run/containerd/containerd.sock (accepts and closes connections; it
# speaks no CRI). perl (perl-base is Essential on Debian) keeps it to a few MB; without perl a
# small JVM does the same. ROOT, JAVA and CP are set above by the installer.
set -u
case "${1:-}" in
  --version|-v|version)
    echo "containerd github.com/containerd/containerd v1.7.24 graft-lab-stand-in"
    exit 0 ;;
  ""|--config|-c) ;;
  *) echo "containerd stand-in: unsupported arguments: $*" >&2; exit 1 ;;
esac
SOCK="$ROOT/run/containerd/containerd.sock"
mkdir -p "$(dirname "$SOCK")"
rm -f "$SOCK"
if command -v perl >/dev/null 2>&1; then
  exec perl -MIO::Socket::UNIX -e '
    my $path = $ARGV[0];
    my $s = IO::Socket::UNIX->new(Type => IO::Socket::UNIX::SOCK_STREAM(), Local => $path,
        Listen => 16) or die "containerd stand-in: cannot listen on $path: $!\n";
    $SIG{TERM} = sub { unlink $path; exit 0 };
    while (1) { my $c = $s->accept or next; close $c; }' "$SOCK"
fi
exec "$JAVA" -Xmx16m -XX:+UseSerialGC -Xss256k -XX:TieredStopAtLevel=1 -cp "$CP" \
  dev.graft.lab.standin.ContainerdStandin
