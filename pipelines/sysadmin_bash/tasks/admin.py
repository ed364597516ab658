"""Task families: Users and groups, cron, packages, containers, git, and text tools and odds and
ends.

Each family returns (request, command, explanation); see tasks/__init__.py."""

from __future__ import annotations

from factory.surface import number
from pipelines.sysadmin_bash.tasks.grammar import family, lines, say
from pipelines.sysadmin_bash.tasks.vocabulary import GROUPS, HOSTS, PACKAGES, PORTS, URLS, USERS

# ---- users, cron, packages --------------------------------------------------------------------------


@family
def add_user(rng):
    user = rng.choice(USERS + ["carol", "svc-backup", "intern"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            create a user {u} with a home directory
            add the user {u}
            new account {u} with home dir
        """,
            u=user,
        )
        return text, f"useradd -m {user}", f"Creates the user {user} with a home directory."
    text = say(
        rng,
        """
        new user {u}: home dir, shell /bin/bash
        add {u} with home dir and /bin/bash login shell
    """,
        u=user,
    )
    return (
        text,
        f"useradd -m -s /bin/bash {user}",
        f"Creates {user} with a home directory and bash as shell.",
    )


@family
def add_to_group(rng):
    user, group = rng.choice(USERS), rng.choice(GROUPS)
    text = say(
        rng,
        """
        add {u} to the {g} group
        put {u} in group {g}
        give {u} membership of {g}
        let {u} use {g} (add to the group)
    """,
        u=user,
        g=group,
    )
    return text, f"usermod -aG {group} {user}", f"Adds {user} to the supplementary group {group}."


@family
def user_admin(rng):
    user = rng.choice(USERS)
    kind = rng.randrange(5)
    if kind == 0:
        text = say(
            rng,
            """
            change {u}'s password
            reset the password for {u}
            set a new password for {u}
        """,
            u=user,
        )
        return text, f"passwd {user}", f"Sets a new password for {user}."
    if kind == 1:
        text = say(
            rng,
            """
            delete the user {u} and their home directory
            remove account {u} including home
        """,
            u=user,
        )
        return text, f"userdel -r {user}", f"Deletes {user} and their home directory."
    if kind == 2:
        text = say(
            rng,
            """
            which groups is {u} in
            list {u}'s groups
            what groups does {u} belong to
        """,
            u=user,
        )
        return text, f"groups {user}", f"Lists the groups {user} belongs to."
    if kind == 3:
        text = say(
            rng,
            """
            show {u}'s uid and gid
            user and group ids of {u}
            id of {u}
        """,
            u=user,
        )
        return text, f"id {user}", f"Prints {user}'s user ID, group ID and groups."
    group = rng.choice(["developers", "ops", "qa", "backup"])
    text = say(
        rng,
        """
        create a group called {g}
        add a new group {g}
    """,
        g=group,
    )
    return text, f"groupadd {group}", f"Creates the group {group}."


@family
def cron(rng):
    if rng.random() < 0.6:
        text = say(
            rng,
            """
            show my cron jobs
            list my crontab
            what cron jobs do i have
        """,
        )
        return text, "crontab -l", "Lists the current user's cron jobs."
    user = rng.choice(USERS)
    text = say(
        rng,
        """
        list {u}'s cron jobs
        show the crontab of {u}
        what does {u} have scheduled in cron
    """,
        u=user,
    )
    return text, f"crontab -l -u {user}", f"Lists {user}'s cron jobs."


@family
def packages(rng):
    package = rng.choice(PACKAGES)
    kind = rng.randrange(4)
    if kind == 0:
        text = say(
            rng,
            """
            install {p}
            get {p} installed
            i need {p} on this box
            apt install {p}
        """,
            p=package,
        )
        return text, f"apt install {package}", f"Installs the package {package}."
    if kind == 1:
        text = say(
            rng,
            """
            uninstall {p}
            remove the {p} package
            get rid of {p}
        """,
            p=package,
        )
        return text, f"apt remove {package}", f"Removes the package {package}."
    if kind == 2:
        text = say(
            rng,
            """
            is {p} installed
            check whether the {p} package is installed
            which version of {p} is installed
        """,
            p=package,
        )
        return text, f"dpkg -l {package}", f"Shows whether {package} is installed, and its version."
    text = say(
        rng,
        """
        refresh the package lists
        update apt's package index
        apt update
    """,
    )
    return text, "apt update", "Downloads the package lists from the configured sources."


# ---- containers and git -----------------------------------------------------------------------------

CONTAINERS = lines("""
    web
    db
    redis
    nginx
    api
    worker
    postgres
    app
    grafana
""")
IMAGES = lines("""
    nginx:latest
    postgres:16
    redis:7
    python:3.12-slim
    ubuntu:24.04
    node:20
""")
BRANCHES = lines("""
    main
    develop
    feature/login
    fix/timeout
    release-2.4
""")


@family
def docker_look(rng):
    name = rng.choice(CONTAINERS)
    kind = rng.randrange(6)
    if kind == 0:
        text = say(
            rng,
            """
            list running containers
            which docker containers are up
            show me the containers that are running
            docker ps
        """,
        )
        return text, "docker ps", "Lists the running containers."
    if kind == 1:
        text = say(
            rng,
            """
            list all containers, stopped ones too
            show every docker container including exited
            which containers exist, running or not
        """,
        )
        return text, "docker ps -a", "Lists every container, stopped ones included."
    if kind == 2:
        text = say(
            rng,
            """
            follow the logs of the {c} container
            tail the {c} container's logs live
            stream logs from docker container {c}
        """,
            c=name,
        )
        return text, f"docker logs -f {name}", f"Follows the output of the container {name}."
    if kind == 3:
        n = rng.choice([20, 50, 100, 200])
        text = say(
            rng,
            """
            last {n} log lines of the {c} container
            show the most recent {n} lines of docker logs for {c}
        """,
            c=name,
            n=number(n, rng),
        )
        return (
            text,
            f"docker logs --tail {n} {name}",
            f"Prints the last {n} lines of {name}'s output.",
        )
    if kind == 4:
        text = say(
            rng,
            """
            list docker images
            which images do i have locally
            show the docker images on this host
        """,
        )
        return text, "docker images", "Lists the images stored locally."
    text = say(
        rng,
        """
        cpu and memory use of each container
        docker resource usage right now
        how much ram are my containers using
    """,
    )
    return text, "docker stats --no-stream", "Shows each container's CPU and memory use once."


@family
def docker_act(rng):
    name = rng.choice(CONTAINERS)
    kind = rng.randrange(6)
    if kind == 0:
        shell = rng.choice(["bash", "sh"])
        text = say(
            rng,
            """
            open a {s} shell inside the {c} container
            get a shell in container {c} ({s})
            exec into {c} with {s}
        """,
            c=name,
            s=shell,
        )
        return (
            text,
            f"docker exec -it {name} {shell}",
            f"Runs an interactive {shell} in the container {name}.",
        )
    if kind == 1:
        action = rng.choice(["stop", "restart", "start"])
        text = say(
            rng,
            """
            {a} the {c} container
            {a} docker container {c}
            can you {a} {c} (docker)
        """,
            c=name,
            a=action,
        )
        return text, f"docker {action} {name}", f"Runs docker {action} on the container {name}."
    if kind == 2:
        text = say(
            rng,
            """
            remove the {c} container even if it is running
            force delete container {c}
        """,
            c=name,
        )
        return text, f"docker rm -f {name}", f"Stops and removes the container {name}."
    if kind == 3:
        image = rng.choice(IMAGES)
        text = say(
            rng,
            """
            pull the {i} image
            download docker image {i}
        """,
            i=image,
        )
        return text, f"docker pull {image}", f"Downloads the image {image}."
    if kind == 4:
        text = say(
            rng,
            """
            clean up unused docker images, containers and networks
            free the disk space docker is wasting
            prune everything docker doesn't use
        """,
        )
        return (
            text,
            "docker system prune -a",
            "Removes stopped containers, unused networks and images.",
        )
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            start the compose stack in the background
            bring up docker compose detached
            docker compose up, detached
        """,
        )
        return (
            text,
            "docker compose up -d",
            "Starts the services of docker-compose.yml in the background.",
        )
    text = say(
        rng,
        """
        stop and remove the compose stack
        take down the docker compose services
    """,
    )
    return text, "docker compose down", "Stops and removes the compose project's containers."


@family
def git_task(rng):
    kind = rng.randrange(9)
    if kind == 0:
        text = say(
            rng,
            """
            what changed in this repo
            git status
            show the state of my working tree
            which files have i modified
        """,
        )
        return text, "git status", "Shows the working tree's changed, staged and untracked files."
    if kind == 1:
        n = rng.choice([3, 5, 10, 20])
        text = say(
            rng,
            """
            the {n} latest commits as one-liners
            show the {n} most recent commits briefly
            short git log of the last {n} commits
        """,
            n=number(n, rng),
        )
        return text, f"git log --oneline -n {n}", f"Lists the last {n} commits, one line each."
    if kind == 2:
        text = say(
            rng,
            """
            pull the latest changes
            update my checkout from the remote
            git pull
        """,
        )
        return text, "git pull", "Fetches and merges the current branch's upstream."
    if kind == 3:
        branch = rng.choice(BRANCHES[1:])
        text = say(
            rng,
            """
            branch off as {b} and check it out
            make branch {b} and check it out
        """,
            b=branch,
        )
        return text, f"git checkout -b {branch}", f"Creates the branch {branch} and switches to it."
    if kind == 4:
        text = say(
            rng,
            """
            show my uncommitted changes
            what's the diff of my working tree
            git diff of unstaged changes
        """,
        )
        return text, "git diff", "Shows the changes not yet staged."
    if kind == 5:
        text = say(
            rng,
            """
            list all branches, remote ones too
            which branches exist, local and remote
        """,
        )
        return text, "git branch -a", "Lists local and remote-tracking branches."
    if kind == 6:
        text = say(
            rng,
            """
            stash my changes for now
            put my uncommitted work aside
        """,
        )
        return text, "git stash", "Saves the uncommitted changes and cleans the working tree."
    if kind == 7:
        url = rng.choice(
            ["https://github.com/example/app.git", "git@gitlab.example.com:ops/infra.git"]
        )
        text = say(
            rng,
            """
            clone {u}
            get a copy of the repo {u}
        """,
            u=url,
        )
        return text, f"git clone {url}", f"Clones {url} into a new directory."
    branch = rng.choice(BRANCHES)
    text = say(
        rng,
        """
        push {b} to origin
        push my {b} branch to the remote
    """,
        b=branch,
    )
    return text, f"git push origin {branch}", f"Pushes {branch} to the remote origin."


# ---- text and odds and ends -------------------------------------------------------------------------


@family
def csv_column(rng):
    path, column = (
        rng.choice(["data.csv", "users.csv", "sales.csv", "export.csv"]),
        rng.choice([1, 2, 3, 4]),
    )
    ordinal = {1: "first", 2: "second", 3: "third", 4: "fourth"}[column]
    text = say(
        rng,
        """
        print the {o} column of {f}
        just column {n} from {f}, comma separated
        extract the {o} field of every line in {f}
    """,
        f=path,
        o=ordinal,
        n=column,
    )
    return (
        text,
        f"cut -d, -f{column} {path}",
        f"Prints field {column} of each comma-separated line of {path}.",
    )


@family
def append_line(rng):
    path, line = rng.choice(
        [
            ("/etc/hosts", "10.0.0.5 db.internal"),
            (".env", "DEBUG=false"),
            ("notes.txt", "check backups"),
        ]
    )
    text = say(
        rng,
        """
        append '{l}' to {f}
        add the line '{l}' at the end of {f}
    """,
        f=path,
        l=line,
    )
    return text, f"echo '{line}' >> {path}", f"Adds the line {line} at the end of {path}."


@family
def change_case(rng):
    path = rng.choice(["names.txt", "list.txt", "words.txt"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            convert {f} to uppercase
            print {f} in all caps
        """,
            f=path,
        )
        return text, f"tr '[:lower:]' '[:upper:]' < {path}", f"Prints {path} in upper case."
    text = say(
        rng,
        """
        convert {f} to lowercase
        print {f} in lower case
    """,
        f=path,
    )
    return text, f"tr '[:upper:]' '[:lower:]' < {path}", f"Prints {path} in lower case."


@family
def encode_base64(rng):
    path = rng.choice(["token.txt", "secret.b64", "cert.pem", "payload.json"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            base64 encode {f}
            encode {f} as base64
        """,
            f=path,
        )
        return text, f"base64 {path}", f"Prints {path} encoded as base64."
    text = say(
        rng,
        """
        decode the base64 in {f}
        base64 decode {f}
    """,
        f=path,
    )
    return text, f"base64 -d {path}", f"Decodes the base64 in {path}."


@family
def repeat_or_limit(rng):
    if rng.random() < 0.5:
        seconds = rng.choice([1, 2, 5, 10, 30])
        inner = rng.choice(["df -h", "free -h", "uptime", "docker ps", "ls -l /tmp"])
        text = say(
            rng,
            """
            run {c} every {s} seconds
            watch {c}, refreshing every {s} seconds
            keep rerunning {c} every {s}s
        """,
            c=inner,
            s=number(seconds, rng),
        )
        return (
            text,
            f"watch -n {seconds} {inner}",
            f"Reruns {inner} every {seconds} seconds, full screen.",
        )
    seconds = rng.choice([5, 10, 30, 60])
    url = rng.choice(URLS)
    text = say(
        rng,
        """
        fetch {u} but give up after {s} seconds
        curl {u} with a hard {s} second limit
    """,
        u=url,
        s=number(seconds, rng),
    )
    return text, f"timeout {seconds} curl {url}", f"Fetches {url}, killed after {seconds} seconds."


@family
def port_check(rng):
    host, port = rng.choice(HOSTS), rng.choice(PORTS)
    text = say(
        rng,
        """
        is port {p} open on {h}
        check whether {h} accepts connections on {p}
        can i reach {h} on port {p}
    """,
        h=host,
        p=port,
    )
    return (
        text,
        f"nc -zv {host} {port}",
        f"Tries a TCP connection to {host} port {port} and reports it.",
    )


@family
def swap_file(rng):
    gigabytes = rng.choice([1, 2, 4, 8])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            make a {g}G file called /swapfile
            preallocate {g} gigabytes for /swapfile
        """,
            g=gigabytes,
        )
        return (
            text,
            f"fallocate -l {gigabytes}G /swapfile",
            f"Allocates {gigabytes} GiB for /swapfile.",
        )
    text = say(
        rng,
        """
        is swap on? show swap devices
        show the swap in use
    """,
    )
    return text, "swapon --show", "Lists the swap areas in use."


@family
def free_port(rng):
    port = rng.choice(PORTS)
    text = say(
        rng,
        """
        kill whatever is using port {p}
        free up port {p} by killing its process
    """,
        p=port,
    )
    return text, f"fuser -k {port}/tcp", f"Kills the processes with a TCP socket on port {port}."


@family
def terminal_session(rng):
    name = rng.choice(["work", "deploy", "logs", "build"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            open tmux with the session name {n}
            new tmux session called {n}
        """,
            n=name,
        )
        return text, f"tmux new -s {name}", f"Starts a tmux session named {name}."
    text = say(
        rng,
        """
        reattach to the tmux session {n}
        go back into tmux session {n}
    """,
        n=name,
    )
    return text, f"tmux attach -t {name}", f"Attaches to the tmux session {name}."


@family
def python_packages(rng):
    package = rng.choice(["requests", "flask", "numpy", "pandas", "boto3", "ansible"])
    if rng.random() < 0.6:
        text = say(
            rng,
            """
            install the python package {p}
            pip install {p}
            i need {p} for python
        """,
            p=package,
        )
        return text, f"pip install {package}", f"Installs the Python package {package}."
    text = say(
        rng,
        """
        install the python packages from requirements.txt
        pip install everything in requirements.txt
    """,
    )
    return (
        text,
        "pip install -r requirements.txt",
        "Installs the Python packages listed in requirements.txt.",
    )


@family
def disk_health(rng):
    disk = rng.choice(["/dev/sda", "/dev/sdb", "/dev/nvme0n1"])
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            smart health of {d}
            is the disk {d} failing? show its smart data
        """,
            d=disk,
        )
        return text, f"smartctl -a {disk}", f"Shows the SMART health data of {disk}."
    text = say(
        rng,
        """
        memory, cpu and io stats every second, five times
        vmstat 1 5
    """,
    )
    return text, "vmstat 1 5", "Prints memory, CPU and I/O statistics every second, five times."
