"""Task families: Ports, reachability, downloads, addresses, DNS, the firewall; ssh, scp, rsync and
keys.

Each family returns (request, command, explanation); see tasks/__init__.py."""

from __future__ import annotations

from factory.surface import number
from pipelines.sysadmin_bash.tasks.grammar import family, say
from pipelines.sysadmin_bash.tasks.vocabulary import DIRS, FILES, HOSTS, PORTS, URLS, USERS

# ---- network ----------------------------------------------------------------------------------------


@family
def listening_ports(rng):
    text = say(
        rng,
        """
        which ports are open and listening
        list listening tcp ports with their programs
        what's listening on this machine
        show open ports and the processes behind them
        what services are listening for connections
    """,
    )
    return text, "ss -tlnp", "Lists listening TCP sockets with numeric ports and their processes."


@family
def who_uses_port(rng):
    port = rng.choice(PORTS)
    text = say(
        rng,
        """
        what's using port {p}
        which program holds port {p}
        who has port {p} open
        port {p} is already in use, by what?
        find the program bound to port {p}
    """,
        p=port,
    )
    return text, f"lsof -i :{port}", f"Lists the processes with a socket on port {port}."


@family
def ping_host(rng):
    host, n = rng.choice(HOSTS), rng.choice([3, 4, 5, 10])
    if rng.random() < 0.6:
        text = say(
            rng,
            """
            ping {h} {n} times
            send {n} pings to {h}
            check if {h} is reachable with {n} pings
        """,
            h=host,
            n=number(n, rng),
        )
        return text, f"ping -c {n} {host}", f"Sends {n} ICMP echo requests to {host}."
    text = say(
        rng,
        """
        is {h} up
        can we reach {h}
        ping {h}
    """,
        h=host,
    )
    return text, f"ping {host}", f"Sends echo requests to {host} until stopped."


@family
def download(rng):
    url = rng.choice(URLS)
    name = url.rsplit("/", 1)[-1]
    kind = rng.randrange(4)
    if kind == 0:
        text = say(
            rng,
            """
            download {u}
            grab {u}
            fetch {u} and save it here
            wget {u}
        """,
            u=url,
        )
        return text, f"wget {url}", f"Downloads {url} into the current directory."
    if kind == 1:
        text = say(
            rng,
            """
            download {u} keeping its file name, with curl
            curl {u} and save it as {n}
        """,
            u=url,
            n=name,
        )
        return text, f"curl -O {url}", f"Downloads {url} to {name}."
    if kind == 2:
        out = rng.choice(["latest.tar.gz", "out.json", "file.bin", "setup.sh"])
        text = say(
            rng,
            """
            download {u} as {o}
            save {u} to {o}
            fetch {u} into a file named {o}
        """,
            u=url,
            o=out,
        )
        return text, f"curl -o {out} {url}", f"Downloads {url} into {out}."
    text = say(
        rng,
        """
        show only the http headers of {u}
        check the response headers from {u}
        what status code does {u} return
    """,
        u=url,
    )
    return text, f"curl -I {url}", f"Fetches only the headers of {url}."


@family
def network_info(rng):
    kind = rng.randrange(4)
    if kind == 0:
        text = say(
            rng,
            """
            my ip addresses on this host
            show the ip addresses of this machine
            list network interfaces and ips
        """,
        )
        return text, "ip addr show", "Shows every network interface and its addresses."
    if kind == 1:
        text = say(
            rng,
            """
            print the routes
            what's the default gateway
            list routes
        """,
        )
        return text, "ip route show", "Shows the routing table, default gateway included."
    if kind == 2:
        domain = rng.choice(["example.com", "github.com", "api.example.org", "internal.corp"])
        text = say(
            rng,
            """
            dns lookup for {d}
            what ip does {d} resolve to
            resolve {d}
        """,
            d=domain,
        )
        return text, f"dig {domain}", f"Queries DNS for {domain}."
    text = say(
        rng,
        """
        show all connections with their processes
        list established tcp connections
        what connections are open right now
    """,
    )
    return text, "ss -tnp", "Lists TCP connections with numeric ports and their processes."


@family
def firewall(rng):
    port = rng.choice(PORTS)
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            """
            open port {p} in the firewall
            allow incoming traffic on port {p} with ufw
            let port {p} through ufw
        """,
            p=port,
        )
        return text, f"ufw allow {port}", f"Lets ufw accept connections to port {port}."
    if kind == 1:
        text = say(
            rng,
            """
            block port {p} with ufw
            deny port {p} in the firewall
        """,
            p=port,
        )
        return text, f"ufw deny {port}", f"Makes ufw refuse connections to port {port}."
    text = say(
        rng,
        """
        firewall status
        is ufw on? show its rules
        list the firewall rules
    """,
    )
    return text, "ufw status", "Shows whether ufw is active and its rules."


# ---- remote -----------------------------------------------------------------------------------------


@family
def ssh_to(rng):
    user, host = rng.choice(USERS), rng.choice(HOSTS)
    if rng.random() < 0.6:
        text = say(
            rng,
            """
            ssh into {h} as {u}
            log in to {h} as {u}
            connect to {h} with user {u}
            open a shell on {h} as {u}
        """,
            u=user,
            h=host,
        )
        return text, f"ssh {user}@{host}", f"Opens a shell on {host} as {user}."
    port = rng.choice([2222, 2200, 22022, 8022])
    text = say(
        rng,
        """
        ssh {u}@{h}, port {p}
        connect to {h} port {p} as {u} over ssh
    """,
        u=user,
        h=host,
        p=port,
    )
    return (
        text,
        f"ssh -p {port} {user}@{host}",
        f"Opens a shell on {host} as {user} through port {port}.",
    )


@family
def copy_remote(rng):
    user, host = rng.choice(USERS), rng.choice(HOSTS)
    kind = rng.randrange(3)
    if kind == 0:
        src, dest = rng.choice(FILES[:12]), rng.choice(["/tmp", "/srv", "~", "/opt/backups"])
        text = say(
            rng,
            """
            copy {s} to {h}:{d} as {u}
            scp {s} to {u} on {h}, into {d}
            upload {s} to {d} on {h} ({u})
        """,
            s=src,
            h=host,
            d=dest,
            u=user,
        )
        return (
            text,
            f"scp {src} {user}@{host}:{dest}/",
            f"Copies {src} to {dest} on {host} over SSH.",
        )
    if kind == 1:
        src, dest = rng.choice(DIRS[1:10]), rng.choice(["/tmp", "/srv", "/backup"])
        text = say(
            rng,
            """
            copy the folder {s} to {h} as {u}, into {d}
            scp the whole {s} directory to {u}@{h}:{d}
        """,
            s=src,
            h=host,
            d=dest,
            u=user,
        )
        return (
            text,
            f"scp -r {src} {user}@{host}:{dest}/",
            f"Copies the directory {src} to {dest} on {host}.",
        )
    remote = rng.choice(
        ["/var/log/syslog", "/etc/nginx/nginx.conf", "/home/deploy/backup.tar.gz", "/tmp/dump.sql"]
    )
    text = say(
        rng,
        """
        download {r} from {h} (user {u}) to here
        copy {r} from {u}@{h} to the current folder
        pull {r} off {h} as {u}
    """,
        r=remote,
        h=host,
        u=user,
    )
    return (
        text,
        f"scp {user}@{host}:{remote} .",
        f"Copies {remote} from {host} into the current directory.",
    )


@family
def sync_dirs(rng):
    src, dest = rng.choice(DIRS[1:12]), rng.choice(["/backup", "/mnt/storage", "/opt/backups"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            sync {s} to {d}
            rsync {s} into {d} preserving everything
            mirror {s} to {d}
        """,
            s=src,
            d=dest,
        )
        return (
            text,
            f"rsync -av {src}/ {dest}/",
            f"Copies {src} to {dest}, keeping permissions and times.",
        )
    user, host = rng.choice(USERS), rng.choice(HOSTS)
    text = say(
        rng,
        """
        rsync {s} to {h} as {u} into {d}, compressed
        back up {s} to {u}@{h}:{d} with rsync
    """,
        s=src,
        h=host,
        u=user,
        d=dest,
    )
    return (
        text,
        f"rsync -avz {src}/ {user}@{host}:{dest}/",
        f"Syncs {src} to {dest} on {host}, compressed in transit.",
    )


@family
def ssh_keys(rng):
    user, host = rng.choice(USERS), rng.choice(HOSTS)
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            generate a new ed25519 ssh key
            make me an ssh key pair (ed25519)
            create an ssh key
        """,
        )
        return text, "ssh-keygen -t ed25519", "Generates a new Ed25519 SSH key pair."
    text = say(
        rng,
        """
        copy my ssh key to {h} for {u}
        set up passwordless login to {u}@{h}
        install my public key on {h} as {u}
    """,
        u=user,
        h=host,
    )
    return (
        text,
        f"ssh-copy-id {user}@{host}",
        f"Adds your public key to {user}'s authorized keys on {host}.",
    )
