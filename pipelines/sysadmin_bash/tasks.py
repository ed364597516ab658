"""sysadmin_bash's task grammar: everyday admin requests, phrased the ways people ask, with the one
command line that does each.

`generate(count, random_seed)` yields {"text", "command", "explanation", "family"}: one family (a
kind of task, such as "the N biggest things in a folder") drawn at random, its values (paths,
services, users, hosts, numbers, sizes) drawn from vocabulary below, one of its phrasings
(commands, questions, "how do i ...", fragments), numbers spelled as digits or words
(factory.surface). Deterministic for a `random_seed`. recipe.source_seeds types the text casually
and validates nothing: every command is checked by the recipe's validator like any other seed
(tests/pipelines/test_sysadmin_tasks.py runs them all through it).

The commands follow one common convention per task (`df -h`, `du -sh DIR/* | sort -rh | head -n N`,
`find DIR -type f -mtime +N -delete`, `ss -tlnp`): a student learns one way to do each thing. It
does not cover everything a shell can do: what it lacks, the teacher's new pairs and the man-page
seeds add.
"""

from __future__ import annotations

import random
from typing import Callable, Iterator

from factory.surface import number

# ---- vocabulary -------------------------------------------------------------------------------

DIRS = [
    "/var/log",
    "/var/www",
    "/srv/app",
    "/home/deploy",
    "/opt/backups",
    "/tmp",
    "/etc/nginx",
    "/var/lib/docker",
    "/data",
    "/mnt/storage",
    "/srv/uploads",
    "/var/cache",
    "/home/alice/projects",
    "/opt/app/releases",
    "/var/lib/postgresql",
    "/srv/media",
    "~/downloads",
    "~/code",
    ".",
    "/usr/local/bin",
    "/var/spool/mail",
    "/backup",
    "/opt/jenkins",
    "/srv/git",
    "/var/tmp",
]
LOG_FILES = [
    "/var/log/syslog",
    "/var/log/auth.log",
    "/var/log/nginx/access.log",
    "/var/log/nginx/error.log",
    "/var/log/apache2/error.log",
    "/var/log/kern.log",
    "/var/log/mysql/error.log",
    "/srv/app/logs/app.log",
    "/var/log/dpkg.log",
    "app.log",
    "/var/log/messages",
    "/var/log/cron.log",
    "server.log",
    "/opt/app/logs/worker.log",
]
FILES = [
    "config.yaml",
    "/etc/hosts",
    "/etc/fstab",
    "deploy.sh",
    "backup.sh",
    "notes.txt",
    "/etc/ssh/sshd_config",
    "/etc/nginx/nginx.conf",
    "requirements.txt",
    "docker-compose.yml",
    "/etc/passwd",
    "data.csv",
    "report.pdf",
    "settings.ini",
    ".env",
    "/etc/crontab",
    "index.html",
    "run.py",
    "users.csv",
    "/etc/resolv.conf",
    "install.sh",
    "todo.md",
]
SCRIPTS = ["deploy.sh", "backup.sh", "install.sh", "run.sh", "cleanup.sh", "start.sh", "build.sh"]
EXTENSIONS = [
    "log",
    "tmp",
    "txt",
    "py",
    "jpg",
    "conf",
    "csv",
    "bak",
    "gz",
    "pdf",
    "json",
    "sh",
    "mp4",
]
SERVICES = [
    "nginx",
    "apache2",
    "docker",
    "ssh",
    "postgresql",
    "mysql",
    "redis-server",
    "cron",
    "php8.2-fpm",
    "grafana-server",
    "jenkins",
    "fail2ban",
    "mongod",
    "rabbitmq-server",
    "haproxy",
    "prometheus",
    "containerd",
    "ufw",
    "networking",
    "bind9",
]
PROCESSES = [
    "python3",
    "node",
    "java",
    "nginx",
    "firefox",
    "chrome",
    "ruby",
    "php",
    "gunicorn",
    "celery",
]
USERS = ["deploy", "alice", "bob", "jenkins", "www-data", "backup", "dev", "maria", "ci", "tom"]
GROUPS = ["docker", "sudo", "www-data", "developers", "adm", "wheel", "staff", "audio"]
HOSTS = [
    "backup01",
    "web1.example.com",
    "10.0.0.5",
    "db.internal",
    "192.168.1.20",
    "build-server",
    "staging.example.org",
    "203.0.113.7",
    "nas.local",
    "gitlab.example.com",
]
URLS = [
    "https://example.com/install.sh",
    "https://downloads.example.org/app-2.4.1.tar.gz",
    "https://example.com/data.json",
    "https://releases.example.net/tool_linux_amd64.zip",
    "https://mirror.example.com/ubuntu.iso",
    "http://10.0.0.5:8080/health",
    "https://api.example.com/v1/status",
    "https://example.org/backup.sql.gz",
]
PORTS = [22, 80, 443, 3000, 3306, 5432, 6379, 8000, 8080, 8443, 9000, 9090, 5000, 27017]
PATTERNS = [
    "error",
    "ERROR",
    "timeout",
    "Failed password",
    "connection refused",
    "TODO",
    "warning",
    "segfault",
    "out of memory",
    "404",
    "denied",
    "panic",
    "OOM",
    "exception",
    "localhost",
]
MODES = {
    "755": "rwxr-xr-x",
    "644": "rw-r--r--",
    "600": "only the owner can read and write",
    "700": "only the owner can do anything",
    "775": "group-writable",
    "640": "rw-r-----",
}
ARCHIVES = ["backup", "site", "logs", "project", "release", "configs", "photos", "db-dump"]
PACKAGES = [
    "htop",
    "curl",
    "nginx",
    "git",
    "vim",
    "tmux",
    "jq",
    "ncdu",
    "docker.io",
    "python3-pip",
    "build-essential",
    "fail2ban",
    "tree",
    "unzip",
    "net-tools",
]
SIZES = [
    (10, "M"),
    (50, "M"),
    (100, "M"),
    (200, "M"),
    (500, "M"),
    (1, "G"),
    (2, "G"),
    (5, "G"),
    (500, "k"),
    (20, "M"),
]
SIZE_WORDS = {
    "M": ["MB", "M", "megabytes", "mb", " MB"],
    "G": ["GB", "G", "gigs", "gb", " GB"],
    "k": ["KB", "k", "kilobytes", "kb"],
}
DISKS = ["/dev/sdb1", "/dev/sdc1", "/dev/nvme1n1p1", "/dev/sda2", "/dev/vdb"]
MOUNTS = ["/mnt/data", "/mnt/usb", "/mnt/backup", "/media/disk", "/srv/storage"]

Phrasings = list[str]
Family = Callable[[random.Random], tuple[str, str, str]]
FAMILIES: dict[str, Family] = {}


def family(function: Family) -> Family:
    FAMILIES[function.__name__] = function
    return function


def say(rng: random.Random, phrasings: Phrasings, **values) -> str:
    return rng.choice(phrasings).format(**values)


def size(rng: random.Random) -> tuple[str, str]:
    """("+100M" for find, "100MB" as written)."""
    amount, unit = rng.choice(SIZES)
    return f"+{amount}{unit}", f"{amount}{rng.choice(SIZE_WORDS[unit])}".replace("  ", " ")


def days(rng: random.Random) -> tuple[int, str]:
    """A number of days and how a request says it ("7 days", "a week", "two weeks")."""
    value = rng.choice([1, 2, 3, 5, 7, 7, 10, 14, 14, 30, 30, 60, 90, 180, 365])
    named = {
        1: ["a day", "24 hours", "1 day"],
        7: ["a week", "7 days", "one week"],
        14: ["two weeks", "14 days", "2 weeks"],
        30: ["a month", "30 days"],
        365: ["a year", "365 days"],
        90: ["90 days", "three months"],
        180: ["six months", "180 days"],
    }
    if value in named and rng.random() < 0.6:
        return value, rng.choice(named[value])
    return value, f"{number(value, rng)} days"


# ---- disk and files ---------------------------------------------------------------------------


@family
def disk_free(rng):
    text = say(
        rng,
        [
            "how much disk space is left",
            "show free disk space",
            "check disk usage on all filesystems",
            "disk space human readable",
            "am i running out of disk",
            "how full are the disks",
            "show me how much space each partition has left",
            "what's the disk usage looking like",
            "free space on every mounted drive in GB",
            "list filesystems and their free space",
        ],
    )
    return (
        text,
        "df -h",
        "Shows each mounted file system's size, use and free space in human-readable units.",
    )


@family
def disk_free_of(rng):
    path = rng.choice(DIRS[:20])
    text = say(
        rng,
        [
            "how much space is left on the disk that holds {p}",
            "free space on the partition with {p}",
            "which filesystem is {p} on and how full is it",
            "df for {p} in human readable",
            "is there room left where {p} lives",
        ],
        p=path,
    )
    return text, f"df -h {path}", f"Shows the free space of the file system that holds {path}."


@family
def dir_size(rng):
    path = rng.choice(DIRS)
    text = say(
        rng,
        [
            "how big is {p}",
            "total size of {p}",
            "how much space does {p} take up",
            "show the size of {p} in human readable form",
            "what's the disk usage of {p}",
            "size of the {p} folder",
            "check how large {p} has gotten",
        ],
        p=path,
    )
    return text, f"du -sh {path}", f"Prints the total size of {path} in human-readable units."


@family
def biggest_in_dir(rng):
    path, n = rng.choice([d for d in DIRS if d != "."]), rng.choice([3, 5, 5, 10, 10, 15, 20])
    spoken = number(n, rng)
    text = say(
        rng,
        [
            "what's taking up the most space in {p}? top {n}",
            "show the {n} largest items in {p}",
            "{n} biggest folders in {p}",
            "list the top {n} space hogs under {p}",
            "which {n} things in {p} use the most disk",
            "find the {n} largest directories in {p} sorted by size",
            "what are the {n} biggest entries inside {p}",
        ],
        p=path,
        n=spoken,
    )
    return (
        text,
        f"du -sh {path}/* | sort -rh | head -n {n}",
        f"Sizes every entry of {path}, sorts them largest first and keeps the top {n}.",
    )


@family
def subdir_sizes(rng):
    path = rng.choice(DIRS)
    text = say(
        rng,
        [
            "size of each folder directly inside {p}",
            "break down the disk usage of {p} one level deep",
            "show how much space each subdirectory of {p} uses",
            "per-directory sizes in {p}, not recursive",
        ],
        p=path,
    )
    return (
        text,
        f"du -h --max-depth=1 {path}",
        f"Shows the size of {path} and of each directory directly below it.",
    )


@family
def find_big_files(rng):
    path, (flag, said) = rng.choice(DIRS), size(rng)
    text = say(
        rng,
        [
            "find files bigger than {s} in {p}",
            "any files over {s} under {p}?",
            "list every file larger than {s} in {p}",
            "which files in {p} are above {s}",
            "look for huge files (more than {s}) in {p}",
            "show files in {p} that are over {s}",
        ],
        p=path,
        s=said,
    )
    return (
        text,
        f"find {path} -type f -size {flag}",
        f"Lists the regular files under {path} larger than {flag[1:]}.",
    )


@family
def find_by_extension(rng):
    path, ext = rng.choice(DIRS), rng.choice(EXTENSIONS)
    text = say(
        rng,
        [
            "find all .{e} files in {p}",
            "list every {e} file under {p}",
            "where are the .{e} files in {p}",
            "search {p} for files ending in .{e}",
            "show me all the *.{e} files below {p}",
            "get a list of {e} files in {p} and its subfolders",
        ],
        p=path,
        e=ext,
    )
    return (
        text,
        f"find {path} -type f -name '*.{ext}'",
        f"Lists the files under {path} whose names end in .{ext}.",
    )


@family
def find_by_name(rng):
    path, name = (
        rng.choice(DIRS),
        rng.choice(FILES[:14] + ["id_rsa.pub", "wp-config.php", ".htaccess"]),
    )
    name = name.rsplit("/", 1)[-1]
    text = say(
        rng,
        [
            "where is {n} somewhere under {p}",
            "find the file called {n} in {p}",
            "locate {n} below {p}",
            "search {p} for a file named {n}",
            "is there a {n} anywhere in {p}",
        ],
        p=path,
        n=name,
    )
    return text, f"find {path} -name '{name}'", f"Searches {path} for entries named {name}."


@family
def find_recent(rng):
    path, (value, said) = rng.choice(DIRS), days(rng)
    text = say(
        rng,
        [
            "files in {p} modified in the last {d}",
            "what changed in {p} over the past {d}",
            "list files under {p} edited within {d}",
            "show recently modified files in {p} (last {d})",
            "which files in {p} were touched in the last {d}",
        ],
        p=path,
        d=said,
    )
    return (
        text,
        f"find {path} -type f -mtime -{value}",
        f"Lists the files under {path} modified less than {value} days ago.",
    )


@family
def find_old(rng):
    path, (value, said) = rng.choice(DIRS), days(rng)
    text = say(
        rng,
        [
            "files in {p} older than {d}",
            "list everything in {p} not modified for {d}",
            "which files under {p} haven't changed in over {d}",
            "find stale files in {p} (older than {d})",
        ],
        p=path,
        d=said,
    )
    return (
        text,
        f"find {path} -type f -mtime +{value}",
        f"Lists the files under {path} last modified more than {value} days ago.",
    )


@family
def delete_old(rng):
    path, (value, said) = rng.choice(DIRS), days(rng)
    text = say(
        rng,
        [
            "delete files in {p} older than {d}",
            "remove everything in {p} that is more than {d} old",
            "clean up {p}: get rid of files older than {d}",
            "purge files under {p} not modified in {d}",
            "how do i delete files older than {d} in {p}",
            "wipe old files from {p}, anything over {d}",
        ],
        p=path,
        d=said,
    )
    return (
        text,
        f"find {path} -type f -mtime +{value} -delete",
        f"Deletes the files under {path} last modified more than {value} days ago.",
    )


@family
def delete_old_ext(rng):
    path, ext, (value, said) = rng.choice(DIRS), rng.choice(EXTENSIONS), days(rng)
    text = say(
        rng,
        [
            "delete .{e} files in {p} older than {d}",
            "remove old {e} files from {p} (over {d})",
            "clean out *.{e} files under {p} that are older than {d}",
        ],
        p=path,
        e=ext,
        d=said,
    )
    return (
        text,
        f"find {path} -type f -name '*.{ext}' -mtime +{value} -delete",
        f"Deletes the .{ext} files under {path} older than {value} days.",
    )


@family
def delete_by_extension(rng):
    path, ext = rng.choice(DIRS), rng.choice(["tmp", "bak", "pyc", "log", "swp", "orig"])
    text = say(
        rng,
        [
            "delete all .{e} files under {p}",
            "remove every *.{e} file in {p} recursively",
            "get rid of the {e} files in {p}",
            "nuke all the .{e} files below {p}",
        ],
        p=path,
        e=ext,
    )
    return (
        text,
        f"find {path} -type f -name '*.{ext}' -delete",
        f"Deletes every file ending in .{ext} under {path}.",
    )


@family
def find_recent_minutes(rng):
    path, minutes = rng.choice(DIRS), rng.choice([5, 10, 15, 30, 60, 120])
    text = say(
        rng,
        [
            "files changed in {p} in the last {m} minutes",
            "what was modified under {p} in the past {m} minutes",
            "anything in {p} touched within {m} min?",
        ],
        p=path,
        m=number(minutes, rng),
    )
    return (
        text,
        f"find {path} -mmin -{minutes}",
        f"Lists what under {path} was modified in the last {minutes} minutes.",
    )


@family
def empty_dirs(rng):
    path = rng.choice(DIRS)
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "find empty folders in {p}",
                "list the empty directories under {p}",
                "which directories in {p} are empty",
            ],
            p=path,
        )
        return text, f"find {path} -type d -empty", f"Lists the empty directories under {path}."
    text = say(
        rng,
        [
            "delete empty directories in {p}",
            "remove all empty folders under {p}",
            "clean up the empty dirs in {p}",
        ],
        p=path,
    )
    return (
        text,
        f"find {path} -type d -empty -delete",
        f"Deletes the empty directories under {path}.",
    )


@family
def count_files(rng):
    path = rng.choice(DIRS)
    text = say(
        rng,
        [
            "how many files are in {p}",
            "count the files under {p}",
            "number of files in {p} including subfolders",
            "how many regular files does {p} contain",
        ],
        p=path,
    )
    return text, f"find {path} -type f | wc -l", f"Counts the regular files under {path}."


@family
def files_of_user(rng):
    path, user = rng.choice(DIRS), rng.choice(USERS)
    text = say(
        rng,
        [
            "find files owned by {u} in {p}",
            "which files under {p} belong to {u}",
            "list everything in {p} that {u} owns",
        ],
        p=path,
        u=user,
    )
    return text, f"find {path} -user {user}", f"Lists what under {path} belongs to the user {user}."


@family
def list_dir(rng):
    path = rng.choice(DIRS)
    kind = rng.randrange(5)
    if kind == 0:
        text = say(
            rng,
            [
                "list everything in {p} including hidden files",
                "show all files in {p}, dotfiles too",
                "ls {p} with hidden files and details",
            ],
            p=path,
        )
        return (
            text,
            f"ls -la {path}",
            f"Lists every entry of {path}, hidden ones included, with details.",
        )
    if kind == 1:
        text = say(
            rng,
            [
                "list {p} with sizes in human readable form",
                "show the files in {p} with their sizes",
                "long listing of {p}, human readable sizes",
            ],
            p=path,
        )
        return text, f"ls -lh {path}", f"Lists {path} with details and human-readable sizes."
    if kind == 2:
        text = say(
            rng,
            [
                "list {p} newest first",
                "show the most recently modified files in {p} first",
                "sort the files in {p} by modification time",
            ],
            p=path,
        )
        return text, f"ls -lt {path}", f"Lists {path} sorted by modification time, newest first."
    if kind == 3:
        text = say(
            rng,
            [
                "list {p} sorted by size",
                "show the files in {p} biggest first",
                "ls {p} ordered by file size",
            ],
            p=path,
        )
        return text, f"ls -lS {path}", f"Lists {path} sorted by size, largest first."
    text = say(
        rng, ["what's in {p}", "show me the contents of {p}", "list the files in {p}"], p=path
    )
    return text, f"ls {path}", f"Lists the entries of {path}."


# ---- reading and searching files --------------------------------------------------------------


@family
def show_file(rng):
    path = rng.choice(FILES)
    text = say(
        rng,
        [
            "show me {f}",
            "print the contents of {f}",
            "what's in {f}",
            "cat {f}",
            "display {f} in the terminal",
        ],
        f=path,
    )
    return text, f"cat {path}", f"Prints {path}."


@family
def head_file(rng):
    path, n = rng.choice(LOG_FILES + FILES[:8]), rng.choice([5, 10, 20, 25, 30, 50, 100])
    text = say(
        rng,
        [
            "show the first {n} lines of {f}",
            "first {n} lines of {f}",
            "print the top {n} lines of {f}",
            "peek at the beginning of {f}, {n} lines",
        ],
        f=path,
        n=number(n, rng),
    )
    return text, f"head -n {n} {path}", f"Prints the first {n} lines of {path}."


@family
def tail_file(rng):
    path, n = rng.choice(LOG_FILES), rng.choice([10, 20, 25, 50, 100, 200, 500])
    text = say(
        rng,
        [
            "show the last {n} lines of {f}",
            "last {n} lines of {f}",
            "tail {f}, {n} lines",
            "what are the final {n} lines in {f}",
            "print the end of {f} (last {n} lines)",
        ],
        f=path,
        n=number(n, rng),
    )
    return text, f"tail -n {n} {path}", f"Prints the last {n} lines of {path}."


@family
def follow_file(rng):
    path = rng.choice(LOG_FILES)
    text = say(
        rng,
        [
            "follow {f}",
            "watch {f} as new lines come in",
            "tail {f} live",
            "stream {f} in real time",
            "keep printing new lines of {f}",
        ],
        f=path,
    )
    return text, f"tail -f {path}", f"Prints new lines of {path} as they are written."


@family
def count_lines(rng):
    path = rng.choice(LOG_FILES + FILES)
    text = say(
        rng,
        [
            "how many lines are in {f}",
            "count the lines of {f}",
            "line count of {f}",
            "number of lines in {f}?",
        ],
        f=path,
    )
    return text, f"wc -l {path}", f"Counts the lines of {path}."


@family
def grep_file(rng):
    path, pattern = rng.choice(LOG_FILES + FILES), rng.choice(PATTERNS)
    kind = rng.randrange(5)
    if kind == 0:
        text = say(
            rng,
            [
                "find lines with '{t}' in {f}",
                "search {f} for '{t}'",
                "grep {f} for '{t}'",
                "show every line of {f} that mentions '{t}'",
            ],
            f=path,
            t=pattern,
        )
        return text, f"grep '{pattern}' {path}", f"Prints the lines of {path} containing {pattern}."
    if kind == 1:
        text = say(
            rng,
            [
                "search {f} for '{t}' ignoring case",
                "case-insensitive search for '{t}' in {f}",
                "lines in {f} matching '{t}', any case",
            ],
            f=path,
            t=pattern,
        )
        return (
            text,
            f"grep -i '{pattern}' {path}",
            f"Prints the lines of {path} containing {pattern}, any case.",
        )
    if kind == 2:
        text = say(
            rng,
            [
                "how many lines in {f} contain '{t}'",
                "count the '{t}' lines in {f}",
                "number of times '{t}' shows up in {f} (lines)",
            ],
            f=path,
            t=pattern,
        )
        return (
            text,
            f"grep -c '{pattern}' {path}",
            f"Counts the lines of {path} containing {pattern}.",
        )
    if kind == 3:
        text = say(
            rng,
            [
                "show lines in {f} that do not contain '{t}'",
                "everything in {f} except the '{t}' lines",
                "filter out '{t}' from {f}",
            ],
            f=path,
            t=pattern,
        )
        return text, f"grep -v '{pattern}' {path}", f"Prints the lines of {path} without {pattern}."
    text = say(
        rng,
        [
            "find '{t}' in {f} with line numbers",
            "which line numbers of {f} have '{t}'",
            "grep '{t}' in {f} and show the line numbers",
        ],
        f=path,
        t=pattern,
    )
    return (
        text,
        f"grep -n '{pattern}' {path}",
        f"Prints the lines of {path} containing {pattern}, numbered.",
    )


@family
def grep_tree(rng):
    path, pattern = rng.choice(DIRS), rng.choice(PATTERNS)
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            [
                "search every file under {p} for '{t}'",
                "recursively grep {p} for '{t}'",
                "find '{t}' anywhere in {p}",
            ],
            p=path,
            t=pattern,
        )
        return (
            text,
            f"grep -r '{pattern}' {path}",
            f"Searches every file under {path} for {pattern}.",
        )
    if kind == 1:
        text = say(
            rng,
            [
                "which files in {p} contain '{t}'",
                "list the files under {p} that mention '{t}'",
                "just the filenames in {p} that have '{t}' in them",
            ],
            p=path,
            t=pattern,
        )
        return (
            text,
            f"grep -rl '{pattern}' {path}",
            f"Lists the files under {path} that contain {pattern}.",
        )
    text = say(
        rng,
        [
            "search {p} recursively for '{t}', case insensitive, with line numbers",
            "grep -ri style search for '{t}' in {p} showing line numbers",
        ],
        p=path,
        t=pattern,
    )
    return (
        text,
        f"grep -rin '{pattern}' {path}",
        f"Searches {path} for {pattern} in any case, numbering lines.",
    )


@family
def top_ips(rng):
    path, n = (
        rng.choice(["/var/log/nginx/access.log", "/var/log/apache2/access.log", "access.log"]),
        rng.choice([5, 10, 20]),
    )
    text = say(
        rng,
        [
            "top {n} ip addresses in {f}",
            "which {n} clients hit us most according to {f}",
            "most frequent IPs in {f}, top {n}",
            "count requests per ip in {f} and show the top {n}",
        ],
        f=path,
        n=number(n, rng),
    )
    return (
        text,
        f"awk '{{print $1}}' {path} | sort | uniq -c | sort -rn | head -n {n}",
        f"Counts the requests per client address in {path} and shows the {n} most frequent.",
    )


@family
def unique_lines(rng):
    path = rng.choice(["names.txt", "emails.txt", "hosts.txt", "list.txt", "ids.txt", "urls.txt"])
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "remove duplicate lines from {f}",
                "unique lines of {f}",
                "dedupe {f}",
                "print {f} sorted without duplicates",
            ],
            f=path,
        )
        return text, f"sort -u {path}", f"Prints the lines of {path} sorted, each once."
    text = say(
        rng,
        [
            "count how often each line appears in {f}",
            "frequency of each line in {f}, most common first",
            "which lines repeat most in {f}",
        ],
        f=path,
    )
    return (
        text,
        f"sort {path} | uniq -c | sort -rn",
        f"Counts each distinct line of {path}, most frequent first.",
    )


@family
def replace_text(rng):
    path = rng.choice(
        ["config.yaml", "settings.ini", "/etc/nginx/nginx.conf", "index.html", ".env", "app.conf"]
    )
    old, new = rng.choice(
        [
            ("localhost", "127.0.0.1"),
            ("http://", "https://"),
            ("foo", "bar"),
            ("8080", "9090"),
            ("staging", "production"),
            ("debug", "info"),
            ("v1", "v2"),
        ]
    )
    text = say(
        rng,
        [
            "replace {o} with {n} in {f}",
            "change every {o} to {n} in {f} in place",
            "swap {o} for {n} throughout {f}",
            "sed {f} to turn {o} into {n}",
        ],
        f=path,
        o=old,
        n=new,
    )
    return (
        text,
        f"sed -i 's|{old}|{new}|g' {path}"
        if "/" in old + new
        else f"sed -i 's/{old}/{new}/g' {path}",
        f"Replaces every {old} with {new} in {path}, editing it in place.",
    )


@family
def compare_files(rng):
    a, b = rng.choice(
        [
            ("old.conf", "new.conf"),
            ("config.yaml", "config.yaml.bak"),
            ("a.txt", "b.txt"),
            ("/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf.orig"),
            ("v1.json", "v2.json"),
        ]
    )
    text = say(
        rng,
        [
            "what's different between {a} and {b}",
            "diff {a} and {b}",
            "compare {a} with {b}",
            "show the changes from {a} to {b}",
        ],
        a=a,
        b=b,
    )
    return text, f"diff {a} {b}", f"Shows the lines that differ between {a} and {b}."


@family
def checksum(rng):
    path = rng.choice(
        ["ubuntu.iso", "app-2.4.1.tar.gz", "backup.tar.gz", "installer.bin", "release.zip"]
    )
    if rng.random() < 0.7:
        text = say(
            rng,
            [
                "sha256 of {f}",
                "compute the sha256 checksum of {f}",
                "get the sha256 hash for {f}",
                "verify {f}: print its sha256",
            ],
            f=path,
        )
        return text, f"sha256sum {path}", f"Prints the SHA-256 checksum of {path}."
    text = say(rng, ["md5 of {f}", "md5 checksum for {f}", "what's the md5sum of {f}"], f=path)
    return text, f"md5sum {path}", f"Prints the MD5 checksum of {path}."


@family
def file_info(rng):
    path = rng.choice(FILES)
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "when was {f} last modified",
                "show the timestamps and permissions of {f}",
                "stat {f}",
                "details about {f}: size, owner, times",
            ],
            f=path,
        )
        return text, f"stat {path}", f"Shows {path}'s size, owner, permissions and times."
    text = say(
        rng,
        ["what type of file is {f}", "is {f} text or binary?", "identify the file type of {f}"],
        f=path,
    )
    return text, f"file {path}", f"Tells what kind of data {path} holds."


# ---- changing files ---------------------------------------------------------------------------


@family
def make_executable(rng):
    path = rng.choice(SCRIPTS)
    text = say(
        rng,
        [
            "make {f} executable",
            "give {f} execute permission",
            "chmod {f} so i can run it",
            "how do i make {f} runnable",
            "allow {f} to be executed",
        ],
        f=path,
    )
    return text, f"chmod +x {path}", f"Adds execute permission to {path}."


@family
def set_mode(rng):
    path, mode = rng.choice(DIRS[:12] + FILES[:8]), rng.choice(list(MODES))
    if rng.random() < 0.35 and path.startswith("/"):
        text = say(
            rng,
            [
                "set permissions {m} on {p} and everything inside it",
                "recursively chmod {p} to {m}",
                "apply mode {m} to {p} recursively",
            ],
            p=path,
            m=mode,
        )
        return (
            text,
            f"chmod -R {mode} {path}",
            f"Sets mode {mode} on {path} and everything below it.",
        )
    text = say(
        rng,
        [
            "set the permissions of {p} to {m}",
            "chmod {p} {m}",
            "change {p} to mode {m}",
            "make {p} {d} ({m})",
        ],
        p=path,
        m=mode,
        d=MODES[mode],
    )
    return text, f"chmod {mode} {path}", f"Sets the mode of {path} to {mode}."


@family
def change_owner(rng):
    path, user = rng.choice(DIRS[:14]), rng.choice(USERS)
    group = user if rng.random() < 0.6 else rng.choice(GROUPS)
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "make {u} the owner of {p} and everything in it, group {g}",
                "recursively chown {p} to {u}:{g}",
                "give {u}:{g} ownership of {p}, recursively",
            ],
            p=path,
            u=user,
            g=group,
        )
        return (
            text,
            f"chown -R {user}:{group} {path}",
            f"Gives {user}:{group} ownership of {path} and its contents.",
        )
    text = say(
        rng,
        [
            "change the owner of {p} to {u}:{g}",
            "chown {p} to user {u} and group {g}",
            "{p} should belong to {u}, group {g}",
        ],
        p=path,
        u=user,
        g=group,
    )
    return text, f"chown {user}:{group} {path}", f"Makes {user}:{group} the owner of {path}."


@family
def copy_things(rng):
    if rng.random() < 0.5:
        src, dst = rng.choice(FILES[:12]), rng.choice(DIRS[:10])
        text = say(
            rng, ["copy {s} to {d}", "put a copy of {s} in {d}", "cp {s} into {d}"], s=src, d=dst
        )
        return text, f"cp {src} {dst}/", f"Copies {src} into {dst}."
    src, dst = (
        rng.choice(DIRS[1:12]),
        rng.choice(["/backup", "/opt/backups", "/mnt/storage", "/tmp"]),
    )
    src_name = src.rstrip("/").rsplit("/", 1)[-1]
    text = say(
        rng,
        [
            "copy the {s} folder to {d}",
            "copy {s} and everything in it to {d}",
            "duplicate the directory {s} into {d}",
        ],
        s=src,
        d=dst,
    )
    return text, f"cp -r {src} {dst}/", f"Copies the directory {src} ({src_name}) into {dst}."


@family
def move_or_rename(rng):
    if rng.random() < 0.5:
        old, new = rng.choice(
            [
                ("report.txt", "report-old.txt"),
                ("app.log", "app.log.1"),
                ("config.yaml", "config.yaml.bak"),
                ("notes.md", "archive.md"),
                ("run.sh", "start.sh"),
            ]
        )
        text = say(
            rng,
            ["rename {o} to {n}", "change the name of {o} to {n}", "mv {o} to {n}"],
            o=old,
            n=new,
        )
        return text, f"mv {old} {new}", f"Renames {old} to {new}."
    src, dst = rng.choice(FILES[:12]), rng.choice(DIRS[:10])
    text = say(
        rng,
        ["move {s} to {d}", "move {s} into {d}", "put {s} in {d} (move, not copy)"],
        s=src,
        d=dst,
    )
    return text, f"mv {src} {dst}/", f"Moves {src} into {dst}."


@family
def remove_things(rng):
    if rng.random() < 0.5:
        path = rng.choice(FILES[:12])
        text = say(rng, ["delete {f}", "remove {f}", "get rid of {f}", "rm {f}"], f=path)
        return text, f"rm {path}", f"Deletes {path}."
    path = rng.choice(
        [
            "/tmp/build",
            "node_modules",
            "/var/cache/old",
            "dist",
            "/opt/app/releases/1",
            "__pycache__",
            "venv",
        ]
    )
    text = say(
        rng,
        [
            "delete the {p} folder and everything in it",
            "remove the directory {p} recursively",
            "force delete {p} without asking",
            "rm -rf {p}",
            "blow away {p}",
        ],
        p=path,
    )
    return text, f"rm -rf {path}", f"Deletes {path} and everything in it without asking."


@family
def make_dirs(rng):
    path = rng.choice(
        [
            "/srv/app/logs",
            "/opt/backups/daily",
            "~/projects/new-site",
            "/data/exports/2024",
            "/var/www/html/assets",
            "build/output",
            "/mnt/storage/archive",
        ]
    )
    text = say(
        rng,
        [
            "create the directory {p}",
            "make {p} including any missing parent folders",
            "mkdir {p} with parents",
            "create folder {p}",
        ],
        p=path,
    )
    return text, f"mkdir -p {path}", f"Creates {path} and any missing parent directories."


@family
def symlink(rng):
    target, link = rng.choice(
        [
            ("/opt/app/releases/2", "/opt/app/current"),
            ("/etc/nginx/sites-available/site", "/etc/nginx/sites-enabled/site"),
            ("/usr/local/bin/python3.12", "/usr/local/bin/python"),
            ("/data/uploads", "/var/www/uploads"),
            ("~/dotfiles/vimrc", "~/.vimrc"),
        ]
    )
    text = say(
        rng,
        [
            "create a symlink {l} pointing to {t}",
            "make {l} a symbolic link to {t}",
            "link {t} to {l} (symlink)",
            "soft link {t} as {l}",
        ],
        t=target,
        l=link,
    )
    return text, f"ln -s {target} {link}", f"Creates the symbolic link {link} to {target}."


@family
def create_empty(rng):
    path = rng.choice(
        ["notes.txt", "/tmp/lockfile", "README.md", ".env", "/var/www/index.html", "todo.txt"]
    )
    text = say(
        rng, ["create an empty file called {f}", "touch {f}", "make a blank file {f}"], f=path
    )
    return text, f"touch {path}", f"Creates {path} empty, or updates its time if it exists."


@family
def empty_file(rng):
    path = rng.choice(LOG_FILES)
    text = say(
        rng,
        [
            "empty {f} without deleting it",
            "truncate {f} to zero",
            "clear out {f} but keep the file",
        ],
        f=path,
    )
    return text, f"truncate -s 0 {path}", f"Cuts {path} to zero bytes, keeping the file."


# ---- archives ---------------------------------------------------------------------------------


@family
def make_tarball(rng):
    name, src = rng.choice(ARCHIVES), rng.choice(DIRS[:14])
    text = say(
        rng,
        [
            "compress {s} into {n}.tar.gz",
            "make a tar.gz of {s} called {n}.tar.gz",
            "create a gzipped tarball {n}.tar.gz from {s}",
            "archive {s} as {n}.tar.gz",
            "tar up {s} into {n}.tar.gz",
        ],
        s=src,
        n=name,
    )
    return (
        text,
        f"tar -czf {name}.tar.gz {src}",
        f"Packs {src} into the gzip-compressed archive {name}.tar.gz.",
    )


@family
def extract_tarball(rng):
    name = rng.choice(ARCHIVES)
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "extract {n}.tar.gz",
                "unpack {n}.tar.gz here",
                "untar {n}.tar.gz",
                "how do i open {n}.tar.gz",
            ],
            n=name,
        )
        return text, f"tar -xzf {name}.tar.gz", f"Unpacks {name}.tar.gz into the current directory."
    dest = rng.choice(["/opt/app", "/tmp/restore", "/srv/site", "~/src", "/var/www"])
    text = say(
        rng,
        ["extract {n}.tar.gz into {d}", "unpack {n}.tar.gz to {d}", "untar {n}.tar.gz in {d}"],
        n=name,
        d=dest,
    )
    return text, f"tar -xzf {name}.tar.gz -C {dest}", f"Unpacks {name}.tar.gz into {dest}."


@family
def list_tarball(rng):
    name = rng.choice(ARCHIVES)
    text = say(
        rng,
        [
            "what's inside {n}.tar.gz",
            "list the files in {n}.tar.gz without extracting",
            "show the contents of the archive {n}.tar.gz",
        ],
        n=name,
    )
    return (
        text,
        f"tar -tzf {name}.tar.gz",
        f"Lists the files in {name}.tar.gz without unpacking it.",
    )


@family
def zip_files(rng):
    name, src = rng.choice(ARCHIVES), rng.choice(["docs", "photos", "project", "site", "reports"])
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            [
                "zip the {s} folder into {n}.zip",
                "make {n}.zip from the {s} directory",
                "create a zip of {s} called {n}.zip",
            ],
            s=src,
            n=name,
        )
        return text, f"zip -r {name}.zip {src}", f"Packs the directory {src} into {name}.zip."
    if kind == 1:
        text = say(rng, ["unzip {n}.zip", "extract {n}.zip here", "open up {n}.zip"], n=name)
        return text, f"unzip {name}.zip", f"Extracts {name}.zip into the current directory."
    dest = rng.choice(["/tmp/out", "/srv/site", "~/downloads/x", "/opt/tool"])
    text = say(rng, ["unzip {n}.zip into {d}", "extract {n}.zip to {d}"], n=name, d=dest)
    return text, f"unzip {name}.zip -d {dest}", f"Extracts {name}.zip into {dest}."


@family
def gzip_file(rng):
    path = rng.choice(["access.log", "dump.sql", "/var/log/syslog.1", "data.csv", "big.json"])
    if rng.random() < 0.6:
        text = say(rng, ["gzip {f}", "compress {f} with gzip", "compress {f}"], f=path)
        return text, f"gzip {path}", f"Compresses {path} to {path}.gz."
    text = say(rng, ["decompress {f}.gz", "gunzip {f}.gz", "unpack {f}.gz"], f=path)
    return text, f"gunzip {path}.gz", f"Decompresses {path}.gz."


# ---- processes --------------------------------------------------------------------------------


@family
def top_memory(rng):
    n = rng.choice([3, 5, 5, 10, 10, 15])
    text = say(
        rng,
        [
            "top {n} processes by memory",
            "which {n} processes use the most ram",
            "what's eating my memory? show the top {n}",
            "list the {n} most memory hungry processes",
        ],
        n=number(n, rng),
    )
    return (
        text,
        f"ps aux --sort=-%mem | head -n {n + 1}",
        f"Lists processes by memory use, largest first, and keeps the header and the top {n}.",
    )


@family
def top_cpu(rng):
    n = rng.choice([3, 5, 5, 10, 10])
    text = say(
        rng,
        [
            "top {n} processes by cpu",
            "which {n} processes are using the most cpu",
            "what's hogging the cpu, top {n}",
            "show the {n} busiest processes",
        ],
        n=number(n, rng),
    )
    return (
        text,
        f"ps aux --sort=-%cpu | head -n {n + 1}",
        f"Lists processes by CPU use, busiest first, and keeps the header and the top {n}.",
    )


@family
def find_process(rng):
    name = rng.choice(PROCESSES)
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "is {n} running",
                "show the {n} processes",
                "find the process for {n}",
                "are there any {n} processes?",
            ],
            n=name,
        )
        return (
            text,
            f"ps aux | grep {name}",
            f"Lists the running processes and keeps those mentioning {name}.",
        )
    text = say(
        rng,
        ["what's the pid of {n}", "get the process ids of {n}", "pid of every {n} process"],
        n=name,
    )
    return text, f"pgrep {name}", f"Prints the process IDs of the processes named {name}."


@family
def kill_process(rng):
    pid = rng.choice([1234, 4312, 2087, 31337, 9876, 15022, 777, 48213])
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "kill process {p}",
                "stop pid {p}",
                "terminate process {p}",
                "end the process with id {p}",
            ],
            p=pid,
        )
        return text, f"kill {pid}", f"Sends SIGTERM to process {pid}."
    text = say(
        rng,
        [
            "force kill {p}",
            "kill -9 process {p}",
            "process {p} is stuck, kill it hard",
            "kill pid {p} with sigkill",
        ],
        p=pid,
    )
    return text, f"kill -9 {pid}", f"Sends SIGKILL to process {pid}, which cannot ignore it."


@family
def kill_by_name(rng):
    name = rng.choice(PROCESSES)
    if rng.random() < 0.5:
        text = say(
            rng,
            ["kill all {n} processes", "stop every process named {n}", "terminate {n} everywhere"],
            n=name,
        )
        return text, f"pkill {name}", f"Sends SIGTERM to every process named {name}."
    text = say(
        rng,
        [
            "force kill everything called {n}",
            "kill -9 all {n} processes",
            "{n} is frozen, kill all of them hard",
        ],
        n=name,
    )
    return text, f"pkill -9 {name}", f"Sends SIGKILL to every process named {name}."


@family
def processes_of_user(rng):
    user = rng.choice(USERS)
    text = say(
        rng,
        ["what is {u} running", "list the processes of user {u}", "show {u}'s processes"],
        u=user,
    )
    return text, f"ps -u {user}", f"Lists the processes that belong to {user}."


@family
def process_tree(rng):
    text = say(
        rng,
        ["show the process tree", "processes as a tree", "which process started which, as a tree"],
    )
    return text, "pstree -p", "Shows the running processes as a tree, with their IDs."


@family
def run_in_background(rng):
    script = rng.choice(SCRIPTS + ["server.py", "worker.py"])
    runner = "python3 " if script.endswith(".py") else "./"
    text = say(
        rng,
        [
            "run {s} in the background so it keeps going after i log out",
            "start {s} detached from the terminal, surviving logout",
            "nohup {s}",
        ],
        s=script,
    )
    return (
        text,
        f"nohup {runner}{script} &",
        f"Runs {script} in the background, immune to the hang-up sent at logout.",
    )


@family
def renice_process(rng):
    pid, nice = rng.choice([1234, 4312, 2087, 9876]), rng.choice([5, 10, 15, 19])
    text = say(
        rng,
        ["lower the priority of process {p} to nice {n}", "renice pid {p} to {n}"],
        p=pid,
        n=nice,
    )
    return text, f"renice -n {nice} -p {pid}", f"Sets the niceness of process {pid} to {nice}."


# ---- system -----------------------------------------------------------------------------------

SYSTEM_FACTS = [
    (
        [
            "how much ram is free",
            "memory usage",
            "show free memory in human readable units",
            "how much memory do i have left",
            "check ram and swap usage",
        ],
        "free -h",
        "Shows used and free memory and swap in human-readable units.",
    ),
    (
        [
            "how long has this box been up",
            "uptime and load average",
            "what's the load on this server",
            "when did the machine last reboot",
        ],
        "uptime",
        "Shows how long the system has run and its load averages.",
    ),
    (
        ["which kernel am i running", "kernel version", "what linux kernel is this"],
        "uname -r",
        "Prints the kernel release.",
    ),
    (
        ["show all system info from uname", "full kernel and machine info", "uname everything"],
        "uname -a",
        "Prints the kernel name, release, version, machine and host name.",
    ),
    (
        ["how many cpu cores does this machine have", "number of cpus", "core count"],
        "nproc",
        "Prints the number of processing units available.",
    ),
    (
        ["details about the cpu", "what processor is in this box", "cpu model and architecture"],
        "lscpu",
        "Shows the CPU's architecture, model, cores and caches.",
    ),
    (
        ["list the disks and partitions", "show block devices", "what drives are attached"],
        "lsblk",
        "Lists block devices (disks, partitions) as a tree.",
    ),
    (
        ["what os version is this", "which distro and release am i on", "show the os release info"],
        "cat /etc/os-release",
        "Prints the distribution's name and version.",
    ),
    (
        ["who is logged in right now", "show logged in users", "list current sessions"],
        "who",
        "Lists the users logged in now.",
    ),
    (
        ["what's my username", "which user am i", "who am i logged in as"],
        "whoami",
        "Prints the name of the current user.",
    ),
    (
        ["what time is it on this server", "show the current date and time", "server date"],
        "date",
        "Prints the current date and time.",
    ),
    (
        [
            "show the timezone and ntp status",
            "is the clock synced, what timezone",
            "time settings of this machine",
        ],
        "timedatectl",
        "Shows the system clock, time zone and NTP synchronisation.",
    ),
    (
        ["what's this machine's hostname", "show the hostname", "name of this server"],
        "hostname",
        "Prints the host name.",
    ),
    (
        ["list loaded kernel modules", "which kernel modules are loaded", "show modules"],
        "lsmod",
        "Lists the loaded kernel modules.",
    ),
    (
        ["recent logins", "who logged in lately", "login history"],
        "last",
        "Lists recent logins and reboots.",
    ),
    (
        [
            "show the environment variables",
            "print all env vars",
            "what environment variables are set",
        ],
        "printenv",
        "Prints every environment variable.",
    ),
    (
        ["list mounted filesystems", "what's mounted where", "show mounts"],
        "findmnt",
        "Lists mounted file systems as a tree.",
    ),
]


@family
def system_fact(rng):
    phrasings, command, explanation = rng.choice(SYSTEM_FACTS)
    return rng.choice(phrasings), command, explanation


@family
def kernel_messages(rng):
    n = rng.choice([10, 20, 30, 50])
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "last {n} kernel messages",
                "recent dmesg output, {n} lines",
                "tail of dmesg ({n} lines)",
            ],
            n=number(n, rng),
        )
        return text, f"dmesg | tail -n {n}", f"Prints the last {n} kernel ring buffer messages."
    text = say(
        rng,
        [
            "kernel messages with readable timestamps",
            "dmesg with human times",
            "show dmesg with real dates",
        ],
    )
    return text, "dmesg -T", "Prints the kernel messages with human-readable timestamps."


@family
def set_hostname(rng):
    name = rng.choice(["web01", "db-primary", "build-box", "pi-hole", "staging-2"])
    text = say(
        rng,
        ["change the hostname to {n}", "rename this machine {n}", "set hostname {n} permanently"],
        n=name,
    )
    return text, f"hostnamectl set-hostname {name}", f"Sets the host name to {name}."


@family
def set_timezone(rng):
    zone = rng.choice(
        [
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Asia/Tokyo",
            "Europe/London",
            "Australia/Sydney",
        ]
    )
    text = say(
        rng,
        [
            "set the timezone to {z}",
            "change the server's time zone to {z}",
            "switch timezone to {z}",
        ],
        z=zone,
    )
    return text, f"timedatectl set-timezone {zone}", f"Sets the system time zone to {zone}."


@family
def mount_disk(rng):
    disk, mount = rng.choice(DISKS), rng.choice(MOUNTS)
    if rng.random() < 0.65:
        text = say(
            rng,
            ["mount {d} on {m}", "mount the partition {d} at {m}", "attach {d} to {m}"],
            d=disk,
            m=mount,
        )
        return text, f"mount {disk} {mount}", f"Mounts {disk} on {mount}."
    text = say(rng, ["unmount {m}", "detach the drive mounted at {m}", "umount {m}"], m=mount)
    return text, f"umount {mount}", f"Unmounts the file system on {mount}."


@family
def reboot_or_shutdown(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(rng, ["reboot the server now", "restart the machine right now", "reboot"])
        return text, "reboot", "Restarts the machine."
    if kind == 1:
        text = say(
            rng, ["shut down now", "power off the machine immediately", "turn the server off now"]
        )
        return text, "shutdown -h now", "Halts and powers off the machine now."
    minutes = rng.choice([5, 10, 15, 30])
    text = say(
        rng,
        ["shut down in {m} minutes", "schedule a shutdown {m} minutes from now"],
        m=number(minutes, rng),
    )
    return text, f"shutdown -h +{minutes}", f"Powers the machine off in {minutes} minutes."


# ---- services and logs ------------------------------------------------------------------------

SERVICE_ACTIONS = {
    "start": ["start {s}", "bring up {s}", "start the {s} service", "can you start {s}"],
    "stop": ["stop {s}", "shut down the {s} service", "stop the {s} daemon"],
    "restart": [
        "restart {s}",
        "bounce {s}",
        "restart the {s} service",
        "{s} is misbehaving, restart it",
    ],
    "reload": ["reload {s} config without restarting", "reload {s}", "make {s} re-read its config"],
    "status": [
        "status of {s}",
        "is {s} ok? show its status",
        "check the {s} service",
        "how is {s} doing",
    ],
    "enable": ["make {s} start at boot", "enable {s} on startup", "enable the {s} service"],
    "disable": [
        "stop {s} from starting at boot",
        "disable {s} at startup",
        "disable the {s} service",
    ],
    "is-active": [
        "is {s} running right now",
        "is the {s} service up?",
        "check whether {s} is active",
    ],
    "is-enabled": ["is {s} enabled at boot", "will {s} start on boot?"],
}


@family
def service_action(rng):
    service, action = rng.choice(SERVICES), rng.choice(list(SERVICE_ACTIONS))
    text = say(rng, SERVICE_ACTIONS[action], s=service)
    return (
        text,
        f"systemctl {action} {service}",
        f"Runs systemctl {action} on the {service} service.",
    )


@family
def enable_now(rng):
    service = rng.choice(SERVICES)
    text = say(
        rng,
        [
            "enable {s} and start it right away",
            "start {s} now and on every boot",
            "turn on {s} permanently, starting now",
        ],
        s=service,
    )
    return (
        text,
        f"systemctl enable --now {service}",
        f"Enables {service} at boot and starts it now.",
    )


@family
def service_lists(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng, ["list running services", "which services are running", "show active services"]
        )
        return (
            text,
            "systemctl list-units --type=service --state=running",
            "Lists the services running now.",
        )
    if kind == 1:
        text = say(
            rng, ["which services failed", "show failed units", "anything broken in systemd?"]
        )
        return text, "systemctl --failed", "Lists the units that failed."
    text = say(
        rng,
        ["reload systemd after editing a unit file", "make systemd pick up my changed unit files"],
    )
    return text, "systemctl daemon-reload", "Reloads systemd's unit files."


@family
def service_logs(rng):
    service = rng.choice(SERVICES)
    kind = rng.randrange(6)
    if kind == 0:
        text = say(
            rng, ["logs for {s}", "show the {s} service logs", "journal entries of {s}"], s=service
        )
        return text, f"journalctl -u {service}", f"Shows the journal of the {service} unit."
    if kind == 1:
        text = say(
            rng,
            ["follow the {s} logs", "tail the {s} journal live", "stream {s}'s logs"],
            s=service,
        )
        return (
            text,
            f"journalctl -u {service} -f",
            f"Follows the journal of {service} as it is written.",
        )
    if kind == 2:
        since = rng.choice(["today", "yesterday"])
        text = say(
            rng,
            ["{s} logs since {w}", "what did {s} log {w}", "journal of {s} from {w}"],
            s=service,
            w=since,
        )
        return (
            text,
            f"journalctl -u {service} --since {since}",
            f"Shows {service}'s journal since {since}.",
        )
    if kind == 3:
        hours = rng.choice([1, 2, 3, 6, 12, 24])
        unit = "hour" if hours == 1 else "hours"
        said = (
            rng.choice([f"the last {number(hours, rng)} {unit}", f"the past {hours} {unit}"])
            if hours > 1
            else rng.choice(["the last hour", "the past hour"])
        )
        text = say(
            rng,
            ["{s} logs from {h}", "what did {s} log in {h}", "show the journal for {s} over {h}"],
            s=service,
            h=said,
        )
        return (
            text,
            f"journalctl -u {service} --since '{hours} {unit} ago'",
            f"Shows {service}'s journal for the last {hours} {unit}.",
        )
    if kind == 4:
        n = rng.choice([20, 50, 100, 200])
        text = say(
            rng,
            ["last {n} log lines of {s}", "the most recent {n} journal entries for {s}"],
            s=service,
            n=number(n, rng),
        )
        return (
            text,
            f"journalctl -u {service} -n {n}",
            f"Shows the last {n} journal entries of {service}.",
        )
    text = say(
        rng,
        [
            "errors in the journal since boot",
            "show only error messages from this boot",
            "any errors logged since the last reboot?",
        ],
    )
    return text, "journalctl -p err -b", "Shows the journal's error messages since the last boot."


@family
def journal_misc(rng):
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            ["follow the system journal", "watch all system logs live", "tail the whole journal"],
        )
        return text, "journalctl -f", "Follows the whole system journal."
    if kind == 1:
        text = say(
            rng,
            [
                "logs from the current boot",
                "journal since this boot",
                "everything logged since startup",
            ],
        )
        return text, "journalctl -b", "Shows the journal of the current boot."
    text = say(rng, ["how much space do the journal logs use", "journal disk usage"])
    return text, "journalctl --disk-usage", "Shows how much disk the journal files use."


# ---- network ----------------------------------------------------------------------------------


@family
def listening_ports(rng):
    text = say(
        rng,
        [
            "which ports are open and listening",
            "list listening tcp ports with their programs",
            "what's listening on this machine",
            "show open ports and the processes behind them",
            "what services are listening for connections",
        ],
    )
    return text, "ss -tlnp", "Lists listening TCP sockets with numeric ports and their processes."


@family
def who_uses_port(rng):
    port = rng.choice(PORTS)
    text = say(
        rng,
        [
            "what's using port {p}",
            "which process is listening on port {p}",
            "who has port {p} open",
            "port {p} is already in use, by what?",
            "find the program bound to port {p}",
        ],
        p=port,
    )
    return text, f"lsof -i :{port}", f"Lists the processes with a socket on port {port}."


@family
def ping_host(rng):
    host, n = rng.choice(HOSTS), rng.choice([3, 4, 5, 10])
    if rng.random() < 0.6:
        text = say(
            rng,
            [
                "ping {h} {n} times",
                "send {n} pings to {h}",
                "check if {h} is reachable with {n} pings",
            ],
            h=host,
            n=number(n, rng),
        )
        return text, f"ping -c {n} {host}", f"Sends {n} ICMP echo requests to {host}."
    text = say(rng, ["is {h} up", "can we reach {h}", "ping {h}"], h=host)
    return text, f"ping {host}", f"Sends echo requests to {host} until stopped."


@family
def download(rng):
    url = rng.choice(URLS)
    name = url.rsplit("/", 1)[-1]
    kind = rng.randrange(4)
    if kind == 0:
        text = say(
            rng, ["download {u}", "grab {u}", "fetch {u} and save it here", "wget {u}"], u=url
        )
        return text, f"wget {url}", f"Downloads {url} into the current directory."
    if kind == 1:
        text = say(
            rng,
            ["download {u} keeping its file name, with curl", "curl {u} and save it as {n}"],
            u=url,
            n=name,
        )
        return text, f"curl -O {url}", f"Downloads {url} to {name}."
    if kind == 2:
        out = rng.choice(["latest.tar.gz", "out.json", "file.bin", "setup.sh"])
        text = say(
            rng,
            ["download {u} as {o}", "save {u} to {o}", "fetch {u} into a file named {o}"],
            u=url,
            o=out,
        )
        return text, f"curl -o {out} {url}", f"Downloads {url} into {out}."
    text = say(
        rng,
        [
            "show only the http headers of {u}",
            "check the response headers from {u}",
            "what status code does {u} return",
        ],
        u=url,
    )
    return text, f"curl -I {url}", f"Fetches only the headers of {url}."


@family
def network_info(rng):
    kind = rng.randrange(4)
    if kind == 0:
        text = say(
            rng,
            [
                "what's my ip address",
                "show the ip addresses of this machine",
                "list network interfaces and ips",
            ],
        )
        return text, "ip addr show", "Shows every network interface and its addresses."
    if kind == 1:
        text = say(rng, ["show the routing table", "what's the default gateway", "list routes"])
        return text, "ip route show", "Shows the routing table, default gateway included."
    if kind == 2:
        domain = rng.choice(["example.com", "github.com", "api.example.org", "internal.corp"])
        text = say(
            rng, ["dns lookup for {d}", "what ip does {d} resolve to", "resolve {d}"], d=domain
        )
        return text, f"dig {domain}", f"Queries DNS for {domain}."
    text = say(
        rng,
        [
            "show all connections with their processes",
            "list established tcp connections",
            "what connections are open right now",
        ],
    )
    return text, "ss -tnp", "Lists TCP connections with numeric ports and their processes."


@family
def firewall(rng):
    port = rng.choice(PORTS)
    kind = rng.randrange(3)
    if kind == 0:
        text = say(
            rng,
            [
                "open port {p} in the firewall",
                "allow incoming traffic on port {p} with ufw",
                "let port {p} through ufw",
            ],
            p=port,
        )
        return text, f"ufw allow {port}", f"Lets ufw accept connections to port {port}."
    if kind == 1:
        text = say(rng, ["block port {p} with ufw", "deny port {p} in the firewall"], p=port)
        return text, f"ufw deny {port}", f"Makes ufw refuse connections to port {port}."
    text = say(rng, ["firewall status", "is ufw on? show its rules", "list the firewall rules"])
    return text, "ufw status", "Shows whether ufw is active and its rules."


# ---- remote -----------------------------------------------------------------------------------


@family
def ssh_to(rng):
    user, host = rng.choice(USERS), rng.choice(HOSTS)
    if rng.random() < 0.6:
        text = say(
            rng,
            [
                "ssh into {h} as {u}",
                "log in to {h} as {u}",
                "connect to {h} with user {u}",
                "open a shell on {h} as {u}",
            ],
            u=user,
            h=host,
        )
        return text, f"ssh {user}@{host}", f"Opens a shell on {host} as {user}."
    port = rng.choice([2222, 2200, 22022, 8022])
    text = say(
        rng,
        ["ssh to {h} as {u} on port {p}", "connect to {h} port {p} as {u} over ssh"],
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
            [
                "copy {s} to {h}:{d} as {u}",
                "scp {s} to {u} on {h}, into {d}",
                "upload {s} to {d} on {h} ({u})",
            ],
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
            [
                "copy the folder {s} to {h} as {u}, into {d}",
                "scp the whole {s} directory to {u}@{h}:{d}",
            ],
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
        [
            "download {r} from {h} (user {u}) to here",
            "copy {r} from {u}@{h} to the current folder",
            "pull {r} off {h} as {u}",
        ],
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
            ["sync {s} to {d}", "rsync {s} into {d} preserving everything", "mirror {s} to {d}"],
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
        ["rsync {s} to {h} as {u} into {d}, compressed", "back up {s} to {u}@{h}:{d} with rsync"],
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
            [
                "generate a new ed25519 ssh key",
                "make me an ssh key pair (ed25519)",
                "create an ssh key",
            ],
        )
        return text, "ssh-keygen -t ed25519", "Generates a new Ed25519 SSH key pair."
    text = say(
        rng,
        [
            "copy my ssh key to {h} for {u}",
            "set up passwordless login to {u}@{h}",
            "install my public key on {h} as {u}",
        ],
        u=user,
        h=host,
    )
    return (
        text,
        f"ssh-copy-id {user}@{host}",
        f"Adds your public key to {user}'s authorized keys on {host}.",
    )


# ---- users, cron, packages --------------------------------------------------------------------


@family
def add_user(rng):
    user = rng.choice(USERS + ["carol", "svc-backup", "intern"])
    if rng.random() < 0.5:
        text = say(
            rng,
            [
                "create a user {u} with a home directory",
                "add the user {u}",
                "new account {u} with home dir",
            ],
            u=user,
        )
        return text, f"useradd -m {user}", f"Creates the user {user} with a home directory."
    text = say(
        rng,
        [
            "create user {u} with a home directory and bash as the shell",
            "add {u} with home dir and /bin/bash login shell",
        ],
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
        [
            "add {u} to the {g} group",
            "put {u} in group {g}",
            "give {u} membership of {g}",
            "let {u} use {g} (add to the group)",
        ],
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
            ["change {u}'s password", "reset the password for {u}", "set a new password for {u}"],
            u=user,
        )
        return text, f"passwd {user}", f"Sets a new password for {user}."
    if kind == 1:
        text = say(
            rng,
            ["delete the user {u} and their home directory", "remove account {u} including home"],
            u=user,
        )
        return text, f"userdel -r {user}", f"Deletes {user} and their home directory."
    if kind == 2:
        text = say(
            rng,
            ["which groups is {u} in", "list {u}'s groups", "what groups does {u} belong to"],
            u=user,
        )
        return text, f"groups {user}", f"Lists the groups {user} belongs to."
    if kind == 3:
        text = say(
            rng, ["show {u}'s uid and gid", "user and group ids of {u}", "id of {u}"], u=user
        )
        return text, f"id {user}", f"Prints {user}'s user ID, group ID and groups."
    group = rng.choice(["developers", "ops", "qa", "backup"])
    text = say(rng, ["create a group called {g}", "add a new group {g}"], g=group)
    return text, f"groupadd {group}", f"Creates the group {group}."


@family
def cron(rng):
    if rng.random() < 0.6:
        text = say(rng, ["show my cron jobs", "list my crontab", "what cron jobs do i have"])
        return text, "crontab -l", "Lists the current user's cron jobs."
    user = rng.choice(USERS)
    text = say(
        rng,
        ["list {u}'s cron jobs", "show the crontab of {u}", "what does {u} have scheduled in cron"],
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
            ["install {p}", "get {p} installed", "i need {p} on this box", "apt install {p}"],
            p=package,
        )
        return text, f"apt install {package}", f"Installs the package {package}."
    if kind == 1:
        text = say(rng, ["uninstall {p}", "remove the {p} package", "get rid of {p}"], p=package)
        return text, f"apt remove {package}", f"Removes the package {package}."
    if kind == 2:
        text = say(
            rng,
            [
                "is {p} installed",
                "check whether the {p} package is installed",
                "which version of {p} is installed",
            ],
            p=package,
        )
        return text, f"dpkg -l {package}", f"Shows whether {package} is installed, and its version."
    text = say(rng, ["refresh the package lists", "update apt's package index", "apt update"])
    return text, "apt update", "Downloads the package lists from the configured sources."


# ---- generation -------------------------------------------------------------------------------


def generate(count: int, random_seed: int) -> Iterator[dict]:
    """`count` tasks, deterministic for `random_seed`; families are drawn with equal weight."""
    rng = random.Random(random_seed)
    names = sorted(FAMILIES)
    for _ in range(count):
        name = rng.choice(names)
        text, command, explanation = FAMILIES[name](rng)
        yield {"text": text, "command": command, "explanation": explanation, "family": name}
