/* fluxcli job shells: a launcher that forks the parent of each job's tasks
 * (see jobshell.py, the same in Python, for the protocol).
 *
 * usage: fxjobshell --launcher SOCKET_FD
 *   SOCKET_FD  SOCK_SEQPACKET socket to the instance: spawn requests in (the
 *              job id, with the spec memfd and the job's descriptors attached),
 *              one JSON report per datagram out
 *
 * A child subreaper: everything the tasks start stays below this process, and
 * all of it is killed when the tasks are done, on "K" from the instance, or
 * when the instance goes away (end of file on the control pipe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TASKS 4096

struct task {
    long rank;
    int pty;
    int stdio[3];
    int ncores;
    int *cores;
    char **argv;
    char **envp;
    pid_t pid;
    int running;
};

static int report_fd = -1;
static long job_id;
static int *fds;
static int nfds;
static struct task *tasks;
static int ntasks;
static int setpgrp_tasks = 1;
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM};
#define NFORWARDED (int)(sizeof(forwarded) / sizeof(forwarded[0]))

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "{\"job\":%ld,", job_id);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof(buf) - 1) {
        buf[n++] = '}';
        (void)send(report_fd, buf, n, MSG_NOSIGNAL);
    }
}

/* The spec: NUL-terminated fields, read one after another. */
static char *spec_pos, *spec_end;

static char *field(void)
{
    if (spec_pos >= spec_end) {
        report("\"ev\":\"failed\",\"message\":\"truncated job spec\"");
        _exit(1);
    }
    char *s = spec_pos;
    spec_pos += strlen(s) + 1;
    return s;
}

static long number(void) { return strtol(field(), NULL, 10); }

static char **strings(void)
{
    long n = number();
    char **list = calloc(n + 1, sizeof(char *));
    for (long i = 0; i < n; i++)
        list[i] = field();
    return list;
}

static int job_fd(long index) { return index >= 0 && index < nfds ? fds[index] : -1; }

static char *read_all(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    char *buf = malloc(st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, st.st_size - got, got);
        if (n <= 0)
            return NULL;
        got += n;
    }
    *len = got;
    return buf;
}

static void stderr_note(const char *text)
{
    int fd = ntasks > 0 ? job_fd(tasks[0].stdio[2]) : 2;
    if (fd >= 0)
        (void)!write(fd, text, strlen(text));
}

static void setup(char *cwd, char *fallback, long umask_value)
{
    if (umask_value >= 0)
        umask((mode_t)umask_value);
    if (chdir(cwd) < 0) {
        char note[8192];
        int saved = errno;
        (void)!chdir(fallback);
        snprintf(note, sizeof(note),
                 "flux-shell: Could not change dir to %s: %s. Going to %s instead\n", cwd,
                 strerror(saved), fallback);
        stderr_note(note);
    }
}

static void set_affinity(struct task *t, cpu_set_t *full)
{
    if (t->ncores <= 0) {
        sched_setaffinity(0, sizeof(*full), full);
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < t->ncores; i++)
        if (t->cores[i] >= 0 && t->cores[i] < CPU_SETSIZE)
            CPU_SET(t->cores[i], &set);
    sched_setaffinity(0, sizeof(set), &set);
}

static int spawn_on_pty(struct task *t)
{
    int slave = job_fd(t->stdio[0]);
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        ioctl(slave, TIOCSCTTY, 0);
        for (int i = 0; i < 3; i++)
            dup2(slave, i);
        execvpe(t->argv[0], t->argv, t->envp);
        dprintf(2, "%s: %s\n", t->argv[0], strerror(errno));
        _exit(127);
    }
    t->pid = pid;
    return 0;
}

static int spawn(struct task *t)
{
    if (t->pty)
        return spawn_on_pty(t);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    posix_spawn_file_actions_init(&actions);
    for (int i = 0; i < 3; i++) {
        int fd = job_fd(t->stdio[i]);
        if (fd < 0)
            posix_spawn_file_actions_addopen(&actions, i, "/dev/null", O_RDWR, 0);
        else
            posix_spawn_file_actions_adddup2(&actions, fd, i);
    }
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int i = 0; i < NFORWARDED; i++)
        sigaddset(&defaults, forwarded[i]);
    sigaddset(&defaults, SIGCHLD);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (setpgrp_tasks) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    int rc = posix_spawnp(&t->pid, t->argv[0], &actions, &attr, t->argv, t->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc;
}

static void signal_tasks(int sig)
{
    for (int i = 0; i < ntasks; i++) {
        if (!tasks[i].running)
            continue;
        if ((setpgrp_tasks || tasks[i].pty) && kill(-tasks[i].pid, sig) == 0)
            continue;
        kill(tasks[i].pid, sig);
    }
}

static int running_tasks;

static void reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < ntasks; i++) {
            if (tasks[i].running && tasks[i].pid == pid) {
                tasks[i].running = 0;
                running_tasks--;
                report("\"ev\":\"exit\",\"rank\":%ld,\"pid\":%d,\"status\":%d", tasks[i].rank,
                       (int)pid, status);
                break;
            }
        }
    }
}

/* Append the children of every thread of `pid` to list (grown as needed). */
static void children_of(pid_t pid, pid_t **list, int *n, int *cap)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char file[300], buf[4096], *save = NULL;
        snprintf(file, sizeof(file), "/proc/%d/task/%s/children", (int)pid, entry->d_name);
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *list = realloc(*list, *cap * sizeof(pid_t));
            }
            (*list)[(*n)++] = (pid_t)atoi(tok);
        }
    }
    closedir(dir);
}

/* SIGKILL every descendant (but the trees of `skip`) until none is left: killed
 * processes' children reparent here, so the next scan finds what they forked. */
static void kill_tree(const pid_t *skip, int nskip, void (*collect)(void))
{
    struct timespec pause = {0, 1000000};
    for (int round = 0; round < 10000; round++) {
        pid_t *list = NULL;
        int n = 0, cap = 0, top;
        children_of(getpid(), &list, &n, &cap);
        top = 0;
        for (int i = 0; i < n; i++) {  /* keep the children not in skip */
            int skipped = 0;
            for (int k = 0; k < nskip; k++)
                skipped |= list[i] == skip[k];
            if (!skipped)
                list[top++] = list[i];
        }
        n = top;
        for (int i = 0; i < n; i++)  /* breadth first: the list grows as we go */
            children_of(list[i], &list, &n, &cap);
        for (int i = 0; i < n; i++)
            kill(list[i], SIGKILL);
        free(list);
        collect();
        if (n == 0)
            return;
        nanosleep(&pause, NULL);
    }
}

static void loop(int control, int sigfd)
{
    struct pollfd pfd[2] = {{control, POLLIN, 0}, {sigfd, POLLIN, 0}};
    char buf[4096];
    size_t have = 0;
    while (running_tasks > 0) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (pfd[1].revents) {
            struct signalfd_siginfo info;
            while (read(sigfd, &info, sizeof(info)) == sizeof(info)) {
                if (info.ssi_signo != SIGCHLD)
                    signal_tasks(info.ssi_signo);  /* kill -QUIT $PPID reaches the tasks */
            }
            reap();
        }
        if (pfd[0].revents) {
            ssize_t n = read(control, buf + have, sizeof(buf) - 1 - have);
            if (n <= 0)
                return;  /* the instance is gone, and so is the job */
            have += n;
            char *start = buf, *nl;
            while ((nl = memchr(start, '\n', buf + have - start))) {
                *nl = '\0';
                if (start[0] == 'K')
                    return;
                if (start[0] == 's')
                    signal_tasks(atoi(start + 1));
                start = nl + 1;
            }
            have = buf + have - start;
            memmove(buf, start, have);
            if (have == sizeof(buf) - 1)
                have = 0;
        }
    }
}

/* The shell of one job: fds[0] is its control pipe; report_fd and job_id are set. */
static int run_shell(int spec_fd)
{
    for (int i = 0; i < nfds; i++)  /* the tasks get only what their stdio names */
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    fcntl(report_fd, F_SETFD, FD_CLOEXEC);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    setpgid(0, 0);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    for (int i = 0; i < NFORWARDED; i++)
        sigaddset(&mask, forwarded[i]);
    sigprocmask(SIG_BLOCK, &mask, NULL);  /* until the tasks run, signals wait for us */
    int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

    size_t len;
    char *spec = read_all(spec_fd, &len);
    close(spec_fd);
    if (!spec || len < 6 || memcmp(spec, "FXJS1", 6) != 0) {
        report("\"ev\":\"failed\",\"message\":\"unreadable job spec\"");
        return 1;
    }
    spec_pos = spec + 6;
    spec_end = spec + len;
    job_id = number();
    char *cwd = field();
    char *fallback = field();
    long umask_value = number();
    setpgrp_tasks = (int)number();
    long nlimits = number();
    for (long i = 0; i < nlimits; i++) {
        int resource = (int)number();
        long value = number();
        struct rlimit rl;
        if (getrlimit(resource, &rl) == 0) {
            rlim_t want = value < 0 ? rl.rlim_max : (rlim_t)value;
            if (rl.rlim_max != RLIM_INFINITY && (want == RLIM_INFINITY || want > rl.rlim_max))
                want = rl.rlim_max;
            rl.rlim_cur = want;
            setrlimit(resource, &rl);
        }
    }
    ntasks = (int)number();
    if (ntasks < 0 || ntasks > MAX_TASKS)
        ntasks = 0;
    tasks = calloc(ntasks + 1, sizeof(struct task));
    for (int i = 0; i < ntasks; i++) {
        struct task *t = &tasks[i];
        t->rank = number();
        t->pty = (int)number();
        for (int s = 0; s < 3; s++)
            t->stdio[s] = (int)number();
        t->ncores = (int)number();
        t->cores = calloc(t->ncores + 1, sizeof(int));
        for (int c = 0; c < t->ncores; c++)
            t->cores[c] = (int)number();
        t->argv = strings();
        t->envp = strings();
    }
    setup(cwd, fallback, umask_value);

    cpu_set_t full;
    sched_getaffinity(0, sizeof(full), &full);
    int failed = 0;
    for (int i = 0; i < ntasks && !failed; i++) {
        set_affinity(&tasks[i], &full);
        int rc = spawn(&tasks[i]);
        if (rc != 0) {
            report("\"ev\":\"error\",\"rank\":%ld,\"errno\":%d,\"message\":\"%s\"", tasks[i].rank,
                   rc, strerror(rc));
            failed = 1;
        } else {
            tasks[i].running = 1;
            running_tasks++;
        }
    }
    sched_setaffinity(0, sizeof(full), &full);
    if (!failed) {
        report("\"ev\":\"spawned\"");
        loop(job_fd(0), sigfd);
    }
    kill_tree(NULL, 0, reap);
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    report("\"ev\":\"done\",\"cputime\":%.6f,\"maxrss\":%ld",
           usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6,
           usage.ru_maxrss * 1024L);
    return 0;
}

/* The launcher: forks a shell per spawn request (job id as the datagram, the
 * spec memfd and the job's descriptors attached), reports shells that die
 * abnormally, and ends every job when the instance goes away. */
static pid_t *shells;
static long *shell_jobs;
static int nshells, shells_cap;

static void launcher_collect(void);
static int orphans_pending;

static void launcher_collect(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < nshells; i++) {
            if (shells[i] != pid)
                continue;
            if (status != 0) {  /* a normal end was reported by the shell itself */
                job_id = shell_jobs[i];
                report("\"ev\":\"shell-exit\",\"pid\":%d,\"status\":%d", (int)pid, status);
                orphans_pending = 1;
            }
            shells[i] = shells[nshells - 1];
            shell_jobs[i] = shell_jobs[--nshells];
            break;
        }
    }
}

static int launcher_receive(int sock, int sigfd)
{
    char data[64];
    char control[CMSG_SPACE(sizeof(int) * 256)];
    struct iovec iov = {data, sizeof(data) - 1};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN;
    if (n == 0)
        return 0;
    data[n] = '\0';
    int *received = NULL, nreceived = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            received = (int *)CMSG_DATA(c);
            nreceived = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        }
    }
    job_id = strtol(data, NULL, 10);
    if (nreceived < 1) {
        report("\"ev\":\"failed\",\"message\":\"a spawn request without its spec\"");
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sigfd);
        signal(SIGINT, SIG_DFL);  /* blocked in the shell: it reaches the signalfd */
        fds = calloc(nreceived + 1, sizeof(int));
        nfds = nreceived - 1;
        memcpy(fds, received + 1, nfds * sizeof(int));
        _exit(run_shell(received[0]));
    }
    for (int i = 0; i < nreceived; i++)
        close(received[i]);
    if (pid < 0) {
        report("\"ev\":\"failed\",\"message\":\"fork: %s\"", strerror(errno));
        return 1;
    }
    if (nshells == shells_cap) {
        shells_cap = shells_cap ? shells_cap * 2 : 64;
        shells = realloc(shells, shells_cap * sizeof(pid_t));
        shell_jobs = realloc(shell_jobs, shells_cap * sizeof(long));
    }
    shells[nshells] = pid;
    shell_jobs[nshells++] = job_id;
    return 1;
}

static int launcher_main(int sock)
{
    report_fd = sock;
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    signal(SIGINT, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    struct pollfd pfd[2] = {{sock, POLLIN, 0}, {sigfd, POLLIN, 0}};
    for (;;) {
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents) {
            struct signalfd_siginfo info;
            while (read(sigfd, &info, sizeof(info)) == sizeof(info))
                ;
        }
        if (pfd[0].revents && !launcher_receive(sock, sigfd))
            break;
        launcher_collect();
        if (orphans_pending) {  /* a dead shell's tasks were left to us: end them */
            orphans_pending = 0;
            kill_tree(shells, nshells, launcher_collect);
        }
    }
    kill_tree(NULL, 0, launcher_collect);  /* the instance is gone: so is every job */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--launcher") == 0)
        return launcher_main(atoi(argv[2]));
    fprintf(stderr, "usage: %s --launcher SOCKET_FD\n", argv[0]);
    return 2;
}
