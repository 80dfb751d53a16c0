/**
 * Payloads and deliveries as GitLab sends them to a Trail server's `POST /webhooks/gitlab`:
 * the event in `X-Gitlab-Event`, the webhook secret in `X-Gitlab-Token` (GitLab signs
 * nothing), a delivery id in `X-Gitlab-Event-UUID`.
 */
import type { TempRepo } from './temp-repo.js';

export function deliverGitLab(
  serverUrl: string,
  delivery: { secret: string; event: 'Push Hook' | 'Merge Request Hook'; id?: string; payload: unknown },
): Promise<Response> {
  return fetch(`${serverUrl}/webhooks/gitlab`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': delivery.event,
      'x-gitlab-token': delivery.secret,
      ...(delivery.id ? { 'x-gitlab-event-uuid': delivery.id } : {}),
    },
    body: JSON.stringify(delivery.payload),
  });
}

/** A Push Hook payload as GitLab sends it for `commits` of `repo` to `project`'s main, oldest first. */
export function gitlabPush(
  repo: TempRepo,
  push: { project: string; before: string; after: string; commits: string[] },
): unknown {
  const PROJECT = push.project;
  const web = `https://gitlab.example.com/${PROJECT}`;
  return {
    object_kind: 'push',
    event_name: 'push',
    before: push.before,
    after: push.after,
    ref: 'refs/heads/main',
    ref_protected: true,
    checkout_sha: push.after,
    message: null,
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    user_email: '',
    user_avatar: 'https://s.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?s=80',
    project_id: 15,
    project: {
      id: 15,
      name: 'gitlab-app',
      description: '',
      web_url: web,
      avatar_url: null,
      git_ssh_url: `git@gitlab.example.com:${PROJECT}.git`,
      git_http_url: `${web}.git`,
      namespace: 'acme',
      visibility_level: 0,
      path_with_namespace: PROJECT,
      default_branch: 'main',
      homepage: web,
      url: `git@gitlab.example.com:${PROJECT}.git`,
      ssh_url: `git@gitlab.example.com:${PROJECT}.git`,
      http_url: `${web}.git`,
    },
    commits: push.commits.map((id) => {
      const [message, timestamp, name, email] = repo
        .git('show', '-s', '--format=%B%x00%aI%x00%an%x00%ae', id)
        .split('\0') as [string, string, string, string];
      return {
        id,
        message,
        title: message.split('\n')[0],
        timestamp,
        url: `${web}/-/commit/${id}`,
        author: { name, email },
        added: [],
        modified: [],
        removed: [],
      };
    }),
    total_commits_count: push.commits.length,
    push_options: {},
    repository: {
      name: 'gitlab-app',
      url: `git@gitlab.example.com:${PROJECT}.git`,
      description: '',
      homepage: web,
      git_http_url: `${web}.git`,
      git_ssh_url: `git@gitlab.example.com:${PROJECT}.git`,
      visibility_level: 0,
    },
  };
}
