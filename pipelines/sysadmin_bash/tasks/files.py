"""Task families: Files and disks: free space, sizes, find by size/name/age (and deleting), listing,
reading, searching, counting, changing, permissions, owners, archives.

Each family returns (request, command, explanation); see tasks/__init__.py."""

from __future__ import annotations

from factory.surface import number
from pipelines.sysadmin_bash.tasks.grammar import family, say
from pipelines.sysadmin_bash.tasks.vocabulary import (
    ARCHIVES,
    DIRS,
    EXTENSIONS,
    FILES,
    GROUPS,
    LOG_FILES,
    MODES,
    PATTERNS,
    SCRIPTS,
    USERS,
    days,
    size,
)

# ---- disk and files ---------------------------------------------------------------------------------


@family
def disk_free(rng):
    text = say(
        rng,
        """
        how much disk space is left
        show free disk space
        check disk usage on all filesystems
        disk space human readable
        am i running out of disk
        how full are the disks
        show me how much space each partition has left
        what's the disk usage looking like
        free space on every mounted drive in GB
        list filesystems and their free space
    """,
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
        """
        how much space is left on the disk that holds {p}
        free space on the partition with {p}
        which filesystem is {p} on and how full is it
        df for {p} in human readable
        is there room left where {p} lives
    """,
        p=path,
    )
    return text, f"df -h {path}", f"Shows the free space of the file system that holds {path}."


@family
def dir_size(rng):
    path = rng.choice(DIRS)
    text = say(
        rng,
        """
        how big is {p}
        total size of {p}
        how much space does {p} take up
        show the size of {p} in human readable form
        what's the disk usage of {p}
        size of the {p} folder
        check how large {p} has gotten
    """,
        p=path,
    )
    return text, f"du -sh {path}", f"Prints the total size of {path} in human-readable units."


@family
def biggest_in_dir(rng):
    path, n = rng.choice([d for d in DIRS if d != "."]), rng.choice([3, 5, 5, 10, 10, 15, 20])
    spoken = number(n, rng)
    text = say(
        rng,
        """
        what's taking up the most space in {p}? top {n}
        show the {n} largest items in {p}
        {n} biggest folders in {p}
        list the top {n} space hogs under {p}
        which {n} things in {p} use the most disk
        find the {n} largest directories in {p} sorted by size
        what are the {n} biggest entries inside {p}
    """,
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
        """
        size of each folder directly inside {p}
        break down the disk usage of {p} one level deep
        show how much space each subdirectory of {p} uses
        per-directory sizes in {p}, not recursive
    """,
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
        """
        find files bigger than {s} in {p}
        any files over {s} under {p}?
        list every file larger than {s} in {p}
        which files in {p} are above {s}
        look for huge files (more than {s}) in {p}
        show files in {p} that are over {s}
    """,
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
        """
        find all .{e} files in {p}
        list every {e} file under {p}
        where are the .{e} files in {p}
        search {p} for files ending in .{e}
        show me all the *.{e} files below {p}
        get a list of {e} files in {p} and its subfolders
    """,
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
        """
        where is {n} somewhere under {p}
        find the file called {n} in {p}
        locate {n} below {p}
        search {p} for a file named {n}
        is there a {n} anywhere in {p}
    """,
        p=path,
        n=name,
    )
    return text, f"find {path} -name '{name}'", f"Searches {path} for entries named {name}."


@family
def find_recent(rng):
    path, (value, said) = rng.choice(DIRS), days(rng)
    text = say(
        rng,
        """
        files in {p} modified in the last {d}
        what changed in {p} over the past {d}
        list files under {p} edited within {d}
        show recently modified files in {p} (last {d})
        which files in {p} were touched in the last {d}
    """,
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
        """
        files in {p} older than {d}
        list everything in {p} not modified for {d}
        which files under {p} haven't changed in over {d}
        find stale files in {p} (older than {d})
    """,
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
        """
        delete files in {p} older than {d}
        remove everything in {p} that is more than {d} old
        clean up {p}: get rid of files older than {d}
        purge files under {p} not modified in {d}
        how do i delete files older than {d} in {p}
        wipe old files from {p}, anything over {d}
    """,
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
        """
        delete .{e} files in {p} older than {d}
        remove old {e} files from {p} (over {d})
        clean out *.{e} files under {p} that are older than {d}
    """,
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
        """
        delete all .{e} files under {p}
        remove every *.{e} file in {p} recursively
        get rid of the {e} files in {p}
        nuke all the .{e} files below {p}
    """,
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
        """
        files changed in {p} in the last {m} minutes
        what was modified under {p} in the past {m} minutes
        anything in {p} touched within {m} min?
    """,
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
            """
            find empty folders in {p}
            list the empty directories under {p}
            which directories in {p} are empty
        """,
            p=path,
        )
        return text, f"find {path} -type d -empty", f"Lists the empty directories under {path}."
    text = say(
        rng,
        """
        delete empty directories in {p}
        remove all empty folders under {p}
        clean up the empty dirs in {p}
    """,
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
        """
        how many files are in {p}
        count the files under {p}
        number of files in {p} including subfolders
        how many regular files does {p} contain
    """,
        p=path,
    )
    return text, f"find {path} -type f | wc -l", f"Counts the regular files under {path}."


@family
def files_of_user(rng):
    path, user = rng.choice(DIRS), rng.choice(USERS)
    text = say(
        rng,
        """
        find files owned by {u} in {p}
        which files under {p} belong to {u}
        list everything in {p} that {u} owns
    """,
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
            """
            list everything in {p} including hidden files
            show all files in {p}, dotfiles too
            ls {p} with hidden files and details
        """,
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
            """
            list {p} with sizes in human readable form
            show the files in {p} with their sizes
            long listing of {p}, human readable sizes
        """,
            p=path,
        )
        return text, f"ls -lh {path}", f"Lists {path} with details and human-readable sizes."
    if kind == 2:
        text = say(
            rng,
            """
            list {p} newest first
            show the most recently modified files in {p} first
            sort the files in {p} by modification time
        """,
            p=path,
        )
        return text, f"ls -lt {path}", f"Lists {path} sorted by modification time, newest first."
    if kind == 3:
        text = say(
            rng,
            """
            list {p} sorted by size
            show the files in {p} biggest first
            ls {p} ordered by file size
        """,
            p=path,
        )
        return text, f"ls -lS {path}", f"Lists {path} sorted by size, largest first."
    text = say(
        rng,
        """
        what's in {p}
        show me the contents of {p}
        list the files in {p}
    """,
        p=path,
    )
    return text, f"ls {path}", f"Lists the entries of {path}."


# ---- reading and searching files --------------------------------------------------------------------


@family
def show_file(rng):
    path = rng.choice(FILES)
    text = say(
        rng,
        """
        show me {f}
        print the contents of {f}
        what's in {f}
        cat {f}
        display {f} in the terminal
    """,
        f=path,
    )
    return text, f"cat {path}", f"Prints {path}."


@family
def head_file(rng):
    path, n = rng.choice(LOG_FILES + FILES[:8]), rng.choice([5, 10, 20, 25, 30, 50, 100])
    text = say(
        rng,
        """
        show the first {n} lines of {f}
        first {n} lines of {f}
        print the top {n} lines of {f}
        peek at the beginning of {f}, {n} lines
    """,
        f=path,
        n=number(n, rng),
    )
    return text, f"head -n {n} {path}", f"Prints the first {n} lines of {path}."


@family
def tail_file(rng):
    path, n = rng.choice(LOG_FILES), rng.choice([10, 20, 25, 50, 100, 200, 500])
    text = say(
        rng,
        """
        print the final {n} lines of {f}
        last {n} lines of {f}
        tail {f}, {n} lines
        what are the final {n} lines in {f}
        print the end of {f} (last {n} lines)
    """,
        f=path,
        n=number(n, rng),
    )
    return text, f"tail -n {n} {path}", f"Prints the last {n} lines of {path}."


@family
def follow_file(rng):
    path = rng.choice(LOG_FILES)
    text = say(
        rng,
        """
        follow {f}
        watch {f} as new lines come in
        tail {f} live
        stream {f} in real time
        keep printing new lines of {f}
    """,
        f=path,
    )
    return text, f"tail -f {path}", f"Prints new lines of {path} as they are written."


@family
def count_lines(rng):
    path = rng.choice(LOG_FILES + FILES)
    text = say(
        rng,
        """
        how many lines are in {f}
        count the lines of {f}
        line count of {f}
        number of lines in {f}?
    """,
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
            """
            find lines with '{t}' in {f}
            search {f} for '{t}'
            grep {f} for '{t}'
            show every line of {f} that mentions '{t}'
        """,
            f=path,
            t=pattern,
        )
        return text, f"grep '{pattern}' {path}", f"Prints the lines of {path} containing {pattern}."
    if kind == 1:
        text = say(
            rng,
            """
            search {f} for '{t}' ignoring case
            case-insensitive search for '{t}' in {f}
            lines in {f} matching '{t}', any case
        """,
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
            """
            how many lines in {f} contain '{t}'
            count the '{t}' lines in {f}
            number of times '{t}' shows up in {f} (lines)
        """,
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
            """
            show lines in {f} that do not contain '{t}'
            everything in {f} except the '{t}' lines
            filter out '{t}' from {f}
        """,
            f=path,
            t=pattern,
        )
        return text, f"grep -v '{pattern}' {path}", f"Prints the lines of {path} without {pattern}."
    text = say(
        rng,
        """
        find '{t}' in {f} with line numbers
        which line numbers of {f} have '{t}'
        grep '{t}' in {f} and show the line numbers
    """,
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
            """
            search every file under {p} for '{t}'
            recursively grep {p} for '{t}'
            find '{t}' anywhere in {p}
        """,
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
            """
            which files in {p} contain '{t}'
            list the files under {p} that mention '{t}'
            just the filenames in {p} that have '{t}' in them
        """,
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
        """
        search {p} recursively for '{t}', case insensitive, with line numbers
        grep -ri style search for '{t}' in {p} showing line numbers
    """,
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
        """
        top {n} ip addresses in {f}
        which {n} clients hit us most according to {f}
        most frequent IPs in {f}, top {n}
        count requests per ip in {f} and show the top {n}
    """,
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
            """
            remove duplicate lines from {f}
            unique lines of {f}
            dedupe {f}
            print {f} sorted without duplicates
        """,
            f=path,
        )
        return text, f"sort -u {path}", f"Prints the lines of {path} sorted, each once."
    text = say(
        rng,
        """
        count how often each line appears in {f}
        frequency of each line in {f}, most common first
        which lines repeat most in {f}
    """,
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
        """
        replace {o} with {n} in {f}
        change every {o} to {n} in {f} in place
        swap {o} for {n} throughout {f}
        sed {f} to turn {o} into {n}
    """,
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
        """
        what's different between {a} and {b}
        diff {a} and {b}
        compare {a} with {b}
        show the changes from {a} to {b}
    """,
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
            """
            sha256sum for {f}
            compute the sha256 checksum of {f}
            get the sha256 hash for {f}
            verify {f}: print its sha256
        """,
            f=path,
        )
        return text, f"sha256sum {path}", f"Prints the SHA-256 checksum of {path}."
    text = say(
        rng,
        """
        md5 of {f}
        md5 checksum for {f}
        what's the md5sum of {f}
    """,
        f=path,
    )
    return text, f"md5sum {path}", f"Prints the MD5 checksum of {path}."


@family
def file_info(rng):
    path = rng.choice(FILES)
    if rng.random() < 0.5:
        text = say(
            rng,
            """
            last modification time of {f}
            show the timestamps and permissions of {f}
            stat {f}
            details about {f}: size, owner, times
        """,
            f=path,
        )
        return text, f"stat {path}", f"Shows {path}'s size, owner, permissions and times."
    text = say(
        rng,
        """
        what type of file is {f}
        is {f} text or binary?
        identify the file type of {f}
    """,
        f=path,
    )
    return text, f"file {path}", f"Tells what kind of data {path} holds."


# ---- changing files ---------------------------------------------------------------------------------


@family
def make_executable(rng):
    path = rng.choice(SCRIPTS)
    text = say(
        rng,
        """
        set the executable bit on {f}
        give {f} execute permission
        chmod {f} so i can run it
        how do i make {f} runnable
        allow {f} to be executed
    """,
        f=path,
    )
    return text, f"chmod +x {path}", f"Adds execute permission to {path}."


@family
def set_mode(rng):
    path, mode = rng.choice(DIRS[:12] + FILES[:8]), rng.choice(list(MODES))
    if rng.random() < 0.35 and path.startswith("/"):
        text = say(
            rng,
            """
            set permissions {m} on {p} and everything inside it
            recursively chmod {p} to {m}
            apply mode {m} to {p} recursively
        """,
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
        """
        set the permissions of {p} to {m}
        chmod {p} {m}
        change {p} to mode {m}
        make {p} {d} ({m})
    """,
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
            """
            make {u} the owner of {p} and everything in it, group {g}
            recursively chown {p} to {u}:{g}
            give {u}:{g} ownership of {p}, recursively
        """,
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
        """
        change the owner of {p} to {u}:{g}
        chown {p} to user {u} and group {g}
        {p} should belong to {u}, group {g}
    """,
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
            rng,
            """
            copy {s} to {d}
            put a copy of {s} in {d}
            cp {s} into {d}
        """,
            s=src,
            d=dst,
        )
        return text, f"cp {src} {dst}/", f"Copies {src} into {dst}."
    src, dst = (
        rng.choice(DIRS[1:12]),
        rng.choice(["/backup", "/opt/backups", "/mnt/storage", "/tmp"]),
    )
    src_name = src.rstrip("/").rsplit("/", 1)[-1]
    text = say(
        rng,
        """
        copy the {s} folder to {d}
        copy {s} and everything in it to {d}
        duplicate the directory {s} into {d}
    """,
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
            """
            rename {o} to {n}
            change the name of {o} to {n}
            mv {o} to {n}
        """,
            o=old,
            n=new,
        )
        return text, f"mv {old} {new}", f"Renames {old} to {new}."
    src, dst = rng.choice(FILES[:12]), rng.choice(DIRS[:10])
    text = say(
        rng,
        """
        move {s} to {d}
        move {s} into {d}
        put {s} in {d} (move, not copy)
    """,
        s=src,
        d=dst,
    )
    return text, f"mv {src} {dst}/", f"Moves {src} into {dst}."


@family
def remove_things(rng):
    if rng.random() < 0.5:
        path = rng.choice(FILES[:12])
        text = say(
            rng,
            """
            delete {f}
            remove {f}
            get rid of {f}
            rm {f}
        """,
            f=path,
        )
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
        """
        delete the {p} folder and everything in it
        remove the directory {p} recursively
        force delete {p} without asking
        rm -rf {p}
        blow away {p}
    """,
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
        """
        create the directory {p}
        make {p} including any missing parent folders
        mkdir {p} with parents
        create folder {p}
    """,
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
        """
        create a symlink {l} pointing to {t}
        make {l} a symbolic link to {t}
        link {t} to {l} (symlink)
        soft link {t} as {l}
    """,
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
        rng,
        """
        create an empty file called {f}
        touch {f}
        make a blank file {f}
    """,
        f=path,
    )
    return text, f"touch {path}", f"Creates {path} empty, or updates its time if it exists."


@family
def empty_file(rng):
    path = rng.choice(LOG_FILES)
    text = say(
        rng,
        """
        empty {f} without deleting it
        truncate {f} to zero
        clear out {f} but keep the file
    """,
        f=path,
    )
    return text, f"truncate -s 0 {path}", f"Cuts {path} to zero bytes, keeping the file."


# ---- archives ---------------------------------------------------------------------------------------


@family
def make_tarball(rng):
    name, src = rng.choice(ARCHIVES), rng.choice(DIRS[:14])
    text = say(
        rng,
        """
        compress {s} into {n}.tar.gz
        make a tar.gz of {s} called {n}.tar.gz
        create a gzipped tarball {n}.tar.gz from {s}
        archive {s} as {n}.tar.gz
        tar up {s} into {n}.tar.gz
    """,
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
            """
            extract {n}.tar.gz
            unpack {n}.tar.gz here
            untar {n}.tar.gz
            how do i open {n}.tar.gz
        """,
            n=name,
        )
        return text, f"tar -xzf {name}.tar.gz", f"Unpacks {name}.tar.gz into the current directory."
    dest = rng.choice(["/opt/app", "/tmp/restore", "/srv/site", "~/src", "/var/www"])
    text = say(
        rng,
        """
        extract {n}.tar.gz into {d}
        unpack {n}.tar.gz to {d}
        untar {n}.tar.gz in {d}
    """,
        n=name,
        d=dest,
    )
    return text, f"tar -xzf {name}.tar.gz -C {dest}", f"Unpacks {name}.tar.gz into {dest}."


@family
def list_tarball(rng):
    name = rng.choice(ARCHIVES)
    text = say(
        rng,
        """
        what's inside {n}.tar.gz
        list the files in {n}.tar.gz without extracting
        show the contents of the archive {n}.tar.gz
    """,
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
            """
            zip the {s} folder into {n}.zip
            make {n}.zip from the {s} directory
            create a zip of {s} called {n}.zip
        """,
            s=src,
            n=name,
        )
        return text, f"zip -r {name}.zip {src}", f"Packs the directory {src} into {name}.zip."
    if kind == 1:
        text = say(
            rng,
            """
            unzip {n}.zip
            extract {n}.zip here
            open up {n}.zip
        """,
            n=name,
        )
        return text, f"unzip {name}.zip", f"Extracts {name}.zip into the current directory."
    dest = rng.choice(["/tmp/out", "/srv/site", "~/downloads/x", "/opt/tool"])
    text = say(
        rng,
        """
        unzip {n}.zip into {d}
        extract {n}.zip to {d}
    """,
        n=name,
        d=dest,
    )
    return text, f"unzip {name}.zip -d {dest}", f"Extracts {name}.zip into {dest}."


@family
def gzip_file(rng):
    path = rng.choice(["access.log", "dump.sql", "/var/log/syslog.1", "data.csv", "big.json"])
    if rng.random() < 0.6:
        text = say(
            rng,
            """
            gzip {f}
            compress {f} with gzip
            compress {f}
        """,
            f=path,
        )
        return text, f"gzip {path}", f"Compresses {path} to {path}.gz."
    text = say(
        rng,
        """
        decompress {f}.gz
        gunzip {f}.gz
        unpack {f}.gz
    """,
        f=path,
    )
    return text, f"gunzip {path}.gz", f"Decompresses {path}.gz."
