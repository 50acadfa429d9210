// A JavaScript Yjs client (yjs@13 + y-websocket@3, what the browser uses) driven by JSON lines.
//
//   node agent.mjs <ws-base-url> <room> <cookie> [connections]
//
// Opens `connections` providers (one Y.Doc each) on <ws-base-url>/<room> and prints one JSON line
// per event on stdout. Reads requests from stdin, one JSON object a line:
//   {"do": "command", "id": "r1", "command": {...}}  send an edit command (first connection)
//   {"do": "wait", "tag": "t", "clipId": "a", "field": "startTime", "value": 2.5}
//        print {"event": "seen", "tag", "at": [epoch ms per connection]} once every one holds it
//   {"do": "write", "root": "clips", "key": "a", "field": "startTime", "value": 99}
//        write into the document directly (the server must revert structure)
//   {"do": "select", "playhead": 3}    write the shared selection
//   {"do": "presence", "state": {...}} set the awareness state of the first connection
//   {"do": "disconnect"} / {"do": "connect"}  drop and reopen the first connection ("resynced")
//   {"do": "state"}                     print the first connection's document and awareness
//   {"do": "quit"}
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import readline from 'node:readline'
import { performance } from 'node:perf_hooks'

const COMMAND = 100
const [base, room, cookie, countArg] = process.argv.slice(2)
const count = Number(countArg || 1)
const now = () => performance.timeOrigin + performance.now()
const print = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

class CookieSocket extends WebSocket {
  constructor (url, protocols) {
    super(url, protocols, { headers: { Cookie: cookie } })
  }
}

const connections = []
for (let i = 0; i < count; i++) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(base, room, doc, {
    WebSocketPolyfill: CookieSocket,
    disableBc: true
  })
  provider.messageHandlers[COMMAND] = (_encoder, decoder) => {
    print({ event: 'answer', ...JSON.parse(decoding.readVarString(decoder)) })
  }
  connections.push({ doc, provider, waits: [] })
}

const clipField = (doc, clipId, field) => {
  const clip = doc.getMap('clips').get(clipId)
  return clip instanceof Y.Map ? clip.get(field) : undefined
}

// Pending waits: resolved on every document change, per connection.
const waits = new Map()
const check = (index) => {
  const { doc } = connections[index]
  for (const [tag, wait] of waits) {
    if (wait.at[index] === null && clipField(doc, wait.clipId, wait.field) === wait.value) {
      wait.at[index] = now()
      if (wait.at.every((t) => t !== null)) {
        waits.delete(tag)
        print({ event: 'seen', tag, at: wait.at })
      }
    }
  }
}
connections.forEach(({ doc }, index) => doc.on('update', () => check(index)))

let synced = 0
connections.forEach(({ provider }) => {
  provider.once('sync', () => {
    synced += 1
    if (synced === count) {
      print({ event: 'synced', clips: connections[0].doc.getMap('clips').toJSON() })
    }
  })
  provider.on('connection-close', (event) => {
    if (event && event.code !== 1000) print({ event: 'closed', code: event.code })
  })
})

const first = connections[0]
const handlers = {
  command ({ id, command }) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, COMMAND)
    encoding.writeVarString(encoder, JSON.stringify({ id, ...command }))
    first.provider.ws.send(encoding.toUint8Array(encoder))
  },
  wait ({ tag, clipId, field, value }) {
    waits.set(tag, { clipId, field, value, at: connections.map(() => null) })
    connections.forEach((_c, index) => check(index))
  },
  write ({ root, key, field, value }) {
    const map = first.doc.getMap(root)
    if (field === undefined) map.set(key, value)
    else map.get(key).set(field, value)
  },
  select ({ playhead }) {
    first.doc.getMap('selection').set('playhead', playhead)
  },
  disconnect () {
    first.provider.disconnect()
    print({ event: 'disconnected' })
  },
  connect () {
    first.provider.once('sync', () => print({ event: 'resynced' }))
    first.provider.connect()
  },
  presence ({ state }) {
    first.provider.awareness.setLocalState(state)
  },
  state () {
    const states = [...first.provider.awareness.getStates().entries()]
    print({
      event: 'state',
      clips: first.doc.getMap('clips').toJSON(),
      tracks: first.doc.getArray('tracks').toJSON(),
      selection: first.doc.getMap('selection').toJSON(),
      presence: states.map(([clientId, state]) => ({ clientId, state }))
    })
  },
  quit () {
    connections.forEach(({ provider }) => provider.destroy())
    process.exit(0)
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return
  const request = JSON.parse(line)
  handlers[request.do](request)
})
process.stdin.on('end', () => handlers.quit())
